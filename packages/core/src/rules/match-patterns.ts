/**
 * Every pattern the `matches` operators of some rule files (and profiles) may compile: literal values,
 * and the values of the lists they name (`"value": { "fact": "a-list" }`). It reads raw, unvalidated
 * JSON and may collect too much or miss a pattern in a malformed file: it only decides what to check in
 * one batch ahead of validation, which checks (or refuses) every pattern anyway.
 */
export function matchPatterns(documents: readonly unknown[]): string[] {
  const patterns: string[] = [];
  const listNames = new Set<string>();
  const lists = new Map<string, unknown[]>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (typeof record.operator === 'string' && record.operator.endsWith('matches')) {
      const value = record.value;
      const fact = (value as { fact?: unknown } | null)?.fact;
      if (typeof value === 'string') {
        patterns.push(value);
      } else if (Array.isArray(value)) {
        for (const v of value) if (typeof v === 'string') patterns.push(v);
      } else if (typeof fact === 'string') {
        listNames.add(fact);
      }
    }
    for (const child of Object.values(record)) visit(child);
  };
  for (const document of documents) {
    const fileLists = (document as { lists?: unknown } | null)?.lists;
    if (typeof fileLists === 'object' && fileLists !== null)
      for (const [name, values] of Object.entries(fileLists))
        if (Array.isArray(values)) lists.set(name, [...(lists.get(name) ?? []), ...values]);
    visit(document);
  }
  for (const name of listNames) for (const v of lists.get(name) ?? []) if (typeof v === 'string') patterns.push(v);
  return patterns;
}
