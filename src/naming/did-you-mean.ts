/**
 * Edit distance with adjacent transpositions (optimal string alignment), bounded: returns `max + 1`
 * as soon as the distance is known to exceed `max`. `gorq` is one edit from `groq`.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      row.push(value);
      if (value < best) best = value;
    }
    if (best > max) return max + 1;
    before = prev;
    prev = row;
  }
  return Math.min(prev[b.length]!, max + 1);
}

/** The closest candidate to `name`, if one is close enough to be a likely typo. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const max = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    if (c === lower) return candidate;
    const d = editDistance(lower, c, max);
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= max) return best;
  // a suffix match catches `sonnet-4.6` for `anthropic/claude-sonnet-4.6`
  for (const candidate of candidates) if (candidate.toLowerCase().endsWith('/' + lower)) return candidate;
  return undefined;
}

export function didYouMeanSuffix(name: string, candidates: Iterable<string>): string {
  const hit = didYouMean(name, candidates);
  return hit === undefined ? '' : ` (did you mean '${hit}'?)`;
}
