/**
 * Cost of a request from the bundle's pricing (USD per 1M tokens, `request` in USD per request)
 * and the usage the upstream reported.
 *
 * Computed in integers so sums never drift: prices become nano-USD per 1M tokens, token x price
 * products are summed exactly (BigInt), and the total is rounded once, half up, to a nano-dollar.
 * The store keeps nano-dollars; `usd` is the nearest double to that exact decimal.
 */
import type { BundlePricing } from '../../bundle/format.js';

/** Usage in OpenAI's convention: `prompt` includes `cached` and `cacheWrite` tokens. */
export interface CostUsage {
  prompt: number;
  completion: number;
  /** Prompt tokens read from the provider's cache. */
  cached?: number;
  /** Prompt tokens written to the provider's cache (Anthropic's `cache_creation_input_tokens`). */
  cacheWrite?: number;
}

export interface Cost {
  /** Integer nano-dollars (1e-9 USD). */
  nanoUsd: number;
  usd: number;
}

export const NANO_USD_PER_USD = 1_000_000_000;

/** A usage as the protocols report it (input includes cache reads and writes). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

/** USD for a usage reported by a protocol: the one mapping to `computeCost`'s convention. */
export function usageCostUsd(pricing: BundlePricing, usage: TokenUsage): number {
  return computeCost(pricing, { prompt: usage.inputTokens, completion: usage.outputTokens, cached: usage.cacheReadTokens ?? 0, cacheWrite: usage.cacheWriteTokens ?? 0 }).usd;
}

const TOKENS_PER_PRICE_UNIT = 1_000_000n;

export function computeCost(pricing: BundlePricing, usage: CostUsage): Cost {
  const prompt = tokenCount(usage.prompt);
  const cached = Math.min(tokenCount(usage.cached), prompt);
  const cacheWrite = Math.min(tokenCount(usage.cacheWrite), prompt - cached);
  const uncached = prompt - cached - cacheWrite;
  const completion = tokenCount(usage.completion);
  const promptPrice = nanoPriceNumber(pricing.prompt);
  const cachedPrice = pricing.cacheRead === undefined ? promptPrice : nanoPriceNumber(pricing.cacheRead);
  const writePrice = pricing.cacheWrite === undefined ? promptPrice : nanoPriceNumber(pricing.cacheWrite);
  const requestPrice = pricing.request === undefined ? 0 : nanoPriceNumber(pricing.request);
  // nano-USD per 1M tokens x tokens = femto-USD; exact in doubles while every term stays below 2^53
  // (all terms are non-negative, so a safe sum means every term was exact)
  const halfUp = uncached * promptPrice + cached * cachedPrice + cacheWrite * writePrice + completion * nanoPriceNumber(pricing.completion) + HALF_UNIT;
  if (Number.isSafeInteger(halfUp)) {
    const nanoUsd = (halfUp - (halfUp % TOKENS_PER_UNIT)) / TOKENS_PER_UNIT + requestPrice;
    if (Number.isSafeInteger(nanoUsd)) return { nanoUsd, usd: nanoToUsd(nanoUsd) };
  }
  return computeCostExactly(pricing, { prompt, cached, cacheWrite, uncached, completion });
}

const TOKENS_PER_UNIT = 1_000_000;
const HALF_UNIT = TOKENS_PER_UNIT / 2;

/** The same sum in BigInt, for token counts and prices whose products pass 2^53. */
function computeCostExactly(pricing: BundlePricing, t: { prompt: number; cached: number; cacheWrite: number; uncached: number; completion: number }): Cost {
  const promptPrice = nanoPrice(pricing.prompt);
  const femto =
    BigInt(t.uncached) * promptPrice +
    BigInt(t.cached) * (pricing.cacheRead === undefined ? promptPrice : nanoPrice(pricing.cacheRead)) +
    BigInt(t.cacheWrite) * (pricing.cacheWrite === undefined ? promptPrice : nanoPrice(pricing.cacheWrite)) +
    BigInt(t.completion) * nanoPrice(pricing.completion);
  const nano = (femto + TOKENS_PER_PRICE_UNIT / 2n) / TOKENS_PER_PRICE_UNIT + (pricing.request === undefined ? 0n : nanoPrice(pricing.request));
  const nanoUsd = Number(nano);
  return { nanoUsd, usd: nanoToUsd(nanoUsd) };
}

export function nanoToUsd(nanoUsd: number): number {
  return nanoUsd / NANO_USD_PER_USD;
}

/** USD rounded to the nano-dollar, as the store keeps it. */
export function usdToNano(usd: number): number {
  return Number.isFinite(usd) && usd > 0 ? Math.round(usd * NANO_USD_PER_USD) : 0;
}

/** A price (USD per unit) in nano-USD per unit; exact for prices with up to 9 decimals. */
function nanoPriceNumber(price: number): number {
  return Number.isFinite(price) && price > 0 ? Math.round(price * NANO_USD_PER_USD) : 0;
}

function nanoPrice(price: number): bigint {
  return BigInt(nanoPriceNumber(price));
}

function tokenCount(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
