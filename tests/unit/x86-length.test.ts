// x86-64 instruction lengths decoded here (src/diff/x86-length.ts) against binutils: an
// assembly file of every encoding family (legacy prefixes, REX, ModRM/SIB/displacements,
// every immediate size, the 0F, 0F38 and 0F3A maps, 3DNow!, VEX, EVEX, XOP, system
// instructions the kernel uses) assembled by `as`, then the ends objdump decodes compared with
// ours. The kernel tier does the same on real kernel objects.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { readElfFile } from '../../src/elf/index.js';
import { indexObject } from '../../src/diff/entities.js';
import { objdumpInstructionEnds, readInstructionEnds } from '../../src/diff/references.js';
import { x86InstructionEnds } from '../../src/diff/x86-length.js';

const SOURCE = String.raw`	.text
	.globl f
f:
	nop
	push %rbp
	mov %rsp,%rbp
	movabs $0x1122334455667788,%rax
	movabs 0x1122334455667788,%eax
	movabs %al,0x1122334455667788
	addr32 mov 0x11223344,%eax
	mov $0x12345678,%ecx
	mov $0x1234,%cx
	mov $0x12,%cl
	movq $-1,0x10(%rsp)
	movl $5,counter(%rip)
	movw $5,counter(%rip)
	movb $5,counter(%rip)
	addl $7,counter(%rip)
	addq $0x1000,counter(%rip)
	testb $1,counter(%rip)
	testl $0x10000,counter(%rip)
	testw $0x100,counter(%rip)
	notl counter(%rip)
	negq %rax
	imul $3,%eax,%ebx
	imul $300,%eax,%ebx
	imulw $300,%ax,%bx
	lea 0x0(,%rax,8),%rdx
	lea 0x12(%rax,%rbx,4),%rdx
	lea 0x12345(%rax,%rbx,4),%rdx
	lea (%rsp),%rdx
	lea 0x8(%rbp),%rdx
	lea (%r13),%rdx
	lea (%r12,%r13,2),%rdx
	mov %fs:0x28,%rax
	mov %gs:(%rax),%rax
	lock cmpxchg %rcx,(%rdx)
	lock incl (%rax)
	rep movsb
	rep stosq
	repne scasb
	cs call *%rax
	call f
	jmp f
	jmp 1f
	je 1f
	jne f
	jrcxz 1f
	loop 1f
1:	ret
	ret $8
	lretq
	enter $16,$0
	leave
	int3
	int $0x80
	ud2
	ud1 %eax,%ecx
	ud1 0x10(%rax),%ecx
	ud0 %eax,%ecx
	endbr64
	.byte 0x66,0x66,0x2e,0x0f,0x1f,0x84,0,0,0,0,0
	nopl 0x0(%rax)
	nopw 0x0(%rax,%rax,1)
	xbegin 1b
	xabort $3
	xend
	in $0x60,%al
	out %al,$0x61
	in (%dx),%eax
	bt $5,%eax
	btsq $63,(%rdi)
	shld $4,%eax,%ebx
	shrd %cl,%eax,%ebx
	pinsrw $2,%eax,%xmm1
	pextrw $2,%xmm1,%eax
	shufps $0x1b,%xmm1,%xmm2
	cmpps $1,%xmm1,%xmm2
	pshufd $0x1b,%xmm1,%xmm2
	psrlq $4,%xmm1
	pshufb %xmm1,%xmm2
	pblendw $0x0f,%xmm1,%xmm2
	palignr $4,%xmm1,%xmm2
	movbe (%rax),%ecx
	crc32b %al,%ecx
	crc32q (%rax),%rcx
	popcnt %eax,%ecx
	lzcnt %eax,%ecx
	tzcnt %eax,%ecx
	syscall
	sysretq
	rdtsc
	rdtscp
	cpuid
	swapgs
	vmcall
	vmlaunch
	clac
	stac
	wrmsr
	rdmsr
	rdpmc
	bswap %eax
	bswap %r9
	push %fs
	pop %gs
	sete %al
	cmovne %ecx,%eax
	movzbl (%rax),%ecx
	movswq %ax,%rcx
	movslq %eax,%rcx
	xchg %eax,%ecx
	xchg %rax,%rax
	cltq
	cqto
	hlt
	sti
	cli
	pushf
	popf
	iretq
	wbinvd
	invlpg (%rax)
	invpcid (%rax),%rcx
	prefetcht0 (%rax)
	prefetchw (%rax)
	mfence
	lfence
	sfence
	clflush (%rax)
	clwb (%rax)
	rdrand %eax
	rdseed %rax
	xsave (%rax)
	xrstor64 (%rax)
	fxsave (%rax)
	fldl 8(%rsp)
	fstp %st(1)
	faddp
	fnstcw (%rax)
	lgdt (%rax)
	sgdt (%rax)
	ltr %ax
	mov %cr3,%rax
	mov %rax,%cr4
	mov %db7,%rax
	vmread %rax,%rbx
	vmwrite %rax,%rbx
	pause
	monitor
	mwait
	rdpkru
	wrpkru
	xgetbv
	xsetbv
	serialize
	int1
	vzeroupper
	vzeroall
	vaddps %ymm1,%ymm2,%ymm3
	vaddps 0x40(%rax),%ymm2,%ymm3
	vpermq $0x1b,%ymm1,%ymm2
	vpshufd $0x1b,%ymm1,%ymm2
	vpsrlq $4,%ymm1,%ymm2
	vpshufb %ymm1,%ymm2,%ymm3
	vpblendd $0x0f,%ymm1,%ymm2,%ymm3
	vcmpps $1,%ymm1,%ymm2,%ymm3
	vpinsrw $2,%eax,%xmm1,%xmm2
	vmovdqu (%r8,%r9,4),%ymm10
	andn %eax,%ebx,%ecx
	bextr %eax,%ebx,%ecx
	shlx %eax,%ebx,%ecx
	rorx $3,%eax,%ebx
	pdep %eax,%ebx,%ecx
	vaddps %zmm1,%zmm2,%zmm3
	vaddps 0x40(%rax),%zmm2,%zmm3
	vaddps 0x44(%rax),%zmm2,%zmm3
	vpermq $0x1b,%zmm1,%zmm2
	vpternlogd $0xff,%zmm1,%zmm2,%zmm3
	vpshufd $0x1b,%zmm1,%zmm2
	vmovdqu64 (%rax),%zmm1{%k1}{z}
	kmovw %k1,%eax
	vprotb $1,%xmm1,%xmm2
	vfrczps %xmm1,%xmm2
	vpcmov %xmm1,%xmm2,%xmm3,%xmm4
	pfadd %mm1,%mm0
	pfmul 8(%rax),%mm0
	femms
	movq %mm0,%mm1
	emms
	getsec
	rsm
	wait
	.byte 0x66,0xe8,0,0,0,0
	.byte 0x48,0x66,0x90
	.bss
counter: .quad 0
`;

it('decodes every instruction of the encoding families as objdump does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdm-x86-length-'));
  writeFileSync(join(dir, 't.s'), SOURCE);
  await execa('as', [join(dir, 't.s'), '-o', join(dir, 't.o')]);
  const obj = await readElfFile(join(dir, 't.o'));
  const text = obj.sections.findIndex((s) => s.name === '.text');
  const index = indexObject(obj, join(dir, 't.o'));
  const objdump = (await objdumpInstructionEnds(index, [text])).get(text)!;
  const ours = (await readInstructionEnds(index, [text])).get(text)!;
  expect(objdump.length).toBeGreaterThan(190);
  expect(ours.map(String)).toEqual(objdump.map(String));
});

it('ends a cut-off instruction at the end of the section, and a lone prefix after one byte', () => {
  // mov $imm32, %ecx with two of its four immediate bytes missing.
  expect(x86InstructionEnds(Uint8Array.from([0x90, 0xb9, 0x01, 0x02]))).toEqual([1n, 4n]);
  expect(x86InstructionEnds(Uint8Array.from([0x66]))).toEqual([1n]);
});
