// Facts about function bodies: fields written, locks and references taken, static locals, and
// whether a function practically never leaves some task's stack.
import { lineOf, declaratorName, type Node, type ParsedFile } from './decls.js';
import { normalize } from './mask.js';
import { textOf } from './decl-text.js';
// ---------------------------------------------------------------------------------------
// Function bodies.

export const LOCK_CALL = new RegExp('^(?:' + [
  '(?:raw_)?spin_(?:un)?lock\\w*', '(?:raw_)?spin_trylock\\w*', '(?:raw_)?(?:read|write)_(?:un)?lock\\w*', '(?:raw_)?(?:read|write)_trylock\\w*',
  'mutex_(?:un)?lock\\w*', 'mutex_trylock\\w*', 'down(?:_read|_write)?(?:_interruptible|_killable|_trylock|_nested)?', 'up(?:_read|_write)?',
  'rcu_read_(?:un)?lock\\w*', 'srcu_read_(?:un)?lock\\w*', 'local_irq_(?:save|restore|disable|enable)', 'local_bh_(?:disable|enable)',
  'preempt_(?:en|dis)able\\w*', 'rtnl_(?:un)?lock', 'lock_sock\\w*', 'release_sock', 'task_(?:un)?lock', '(?:un)?lock_page', 'folio_(?:un)?lock',
  'inode_(?:un)?lock\\w*', 'pipe_(?:un)?lock\\w*', 'pipe_double_lock', 'write_seq(?:un)?lock\\w*', 'read_seq(?:begin|retry)\\w*', '\\w+_(?:un)?lock(?:_irq\\w*|_bh|_nested)?',
  'kref_(?:get|put|init)\\w*', 'refcount_(?:inc|dec|add|sub|set)\\w*', 'atomic(?:64|_long)?_(?:inc|dec)(?:_and_test|_return|_not_zero)?',
  'get_task_struct', 'put_task_struct', 'get_file', 'fput', 'fget\\w*', 'fdget\\w*', 'fdput\\w*', 'dget', 'dput', 'mmget\\w*', 'mmput\\w*', 'mmgrab', 'mmdrop',
  'get_page', 'put_page', 'folio_get', 'folio_put', 'sock_hold', 'sock_put', 'dev_hold', 'dev_put', '\\w+_dev_get', '\\w+_dev_put', 'kobject_get', 'kobject_put',
  'of_node_get', 'of_node_put', 'get_device', 'put_device', 'try_module_get', 'module_put', '__module_get', 'css_get\\w*', 'css_put\\w*', 'get_pid', 'put_pid',
  'get_cred', 'put_cred', 'get_net', 'put_net', 'skb_get', 'kfree_skb', 'consume_skb', 'synchronize_rcu\\w*', 'call_rcu', 'kfree_rcu',
].join('|') + ')$');
export const SLEEP_CALL = /\b(schedule|schedule_timeout\w*|io_schedule\w*|schedule_hrtimeout\w*|wait_event\w*|wait_for_completion\w*|freezable_schedule\w*|msleep\w*|kthread_parkme|swait_event\w*|rcuwait_wait_event)\s*\(/;
export const UNBOUNDED_LOOP = /\bfor \( ; ; \)|\bwhile \( (?:1|true) \)|\bwhile \( ! kthread_should_stop \( \) \)|\bdo \{[\s\S]*\} while \( (?:1|true) \)/;
/** Documented list: scheduler, idle loops, long-running kthread loops. */
export const ALWAYS_ON_STACK = new Set([
  'schedule', '__schedule', 'schedule_idle', 'preempt_schedule', 'preempt_schedule_irq', 'preempt_schedule_common', 'schedule_timeout',
  'io_schedule', 'do_idle', 'cpu_idle_poll', 'cpu_startup_entry', 'default_idle', 'default_idle_call', 'arch_cpu_idle', 'cpuidle_enter',
  'cpuidle_enter_state', 'call_cpuidle', 'kthread', 'kthreadd', 'worker_thread', 'rescuer_thread', 'smpboot_thread_fn', 'ret_from_fork',
  'rcu_gp_kthread', 'rcu_tasks_kthread', 'kswapd', 'kcompactd', 'khugepaged', 'irq_thread', 'do_wait', 'do_nanosleep', 'futex_wait',
  'pipe_read', 'do_select', 'do_sys_poll', 'ep_poll', 'wait_woken', 'kthread_worker_fn', 'watchdog', 'oom_reaper', 'ksoftirqd_should_run',
]);

export interface BodyFacts {
  writes: Map<string, number[]>;
  locks: Map<string, number>;
  statics: Map<string, { type: string; init: string; line: number; error: boolean }>;
}

export function bodyFacts(f: ParsedFile, body: Node): BodyFacts {
  const writes = new Map<string, number[]>();
  for (const n of body.descendantsOfType(['assignment_expression', 'update_expression'])) {
    const target = n.type === 'assignment_expression' ? n.childForFieldName('left') : n.childForFieldName('argument');
    if (target?.type !== 'field_expression') continue;
    const key = normalize(textOf(f, target.startIndex, target.endIndex));
    const list = writes.get(key) ?? [];
    list.push(lineOf(f.lineStarts, n.startIndex));
    writes.set(key, list);
  }
  const locks = new Map<string, number>();
  for (const n of body.descendantsOfType('call_expression')) {
    const fn = n.childForFieldName('function');
    if (fn?.type !== 'identifier' || !LOCK_CALL.test(fn.text)) continue;
    const key = normalize(textOf(f, n.startIndex, n.endIndex));
    locks.set(key, (locks.get(key) ?? 0) + 1);
  }
  const statics = new Map<string, { type: string; init: string; line: number; error: boolean }>();
  for (const n of body.descendantsOfType('declaration')) {
    if (!n.namedChildren.some((c) => c.type === 'storage_class_specifier' && c.text === 'static')) continue;
    for (const d of n.childrenForFieldName('declarator')) {
      const name = declaratorName(d) ?? '?';
      const value = d.type === 'init_declarator' ? d.childForFieldName('value') : null;
      const typeEnd = value ? value.startIndex : d.endIndex;
      statics.set(name, {
        type: normalize(textOf(f, n.startIndex, d.startIndex) + ' ' + textOf(f, d.startIndex, typeEnd).replace(/=\s*$/, '')),
        init: value ? normalize(textOf(f, value.startIndex, value.endIndex)) : '',
        line: lineOf(f.lineStarts, n.startIndex),
        error: n.hasError,
      });
    }
  }
  return { writes, locks, statics };
}

