/**
 * Who a group of a report grouped by key, user or team is, in words — for the text summary, the CLI's tables and
 * the dashboard alike: `3f2a… (ann, team web)`, `ann`, `web`; requests without a key are `no key` (`no team` by
 * team). Self-contained (no imports, no types at run time): the dashboard embeds its source, as it does formatUsd.
 */
export function callerLabel(
  group: { key_id?: string | null; user_name?: string | null; team?: string | null },
  by: 'key' | 'user' | 'team',
): string {
  if (by === 'key')
    return group.key_id == null
      ? 'no key'
      : `${group.key_id} (${group.user_name ?? ''}${group.team ? `, team ${group.team}` : ''})`;
  if (by === 'user') return group.user_name ?? 'no key';
  return group.team ?? 'no team';
}
