/**
 * The config the container reads from /config (compose.yaml mounts this folder there), with its models/ and
 * presets/ beside it; keys come from the environment. Gateways outside 127.0.0.1 need
 * gateway keys: set ANYROUTER_GATEWAY_KEY_SHA256 to the sha256 of a key (`anyrouter keys new NAME` prints
 * one), or the gateway binds to the container's loopback only. REDIS_URL, when set, shares health and limits.
 */
import { defineConfig, env } from 'anyrouter';

const gatewayKey = process.env.ANYROUTER_GATEWAY_KEY_SHA256;

export default defineConfig({
  providers: {
    openai: { type: 'openai', baseUrl: 'https://api.openai.com/v1', keys: [{ name: 'main', value: env('OPENAI_API_KEY') }] },
    anthropic: { type: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', keys: [{ name: 'main', value: env('ANTHROPIC_API_KEY') }] },
    openrouter: { type: 'openai', baseUrl: 'https://openrouter.ai/api/v1', keys: [{ name: 'main', value: env('OPENROUTER_API_KEY') }] },
  },
  logging: { path: process.env.ANYROUTER_LOG_PATH ?? '/data/anyrouter.db' },
  ...(gatewayKey ? { auth: { gatewayKeys: [{ name: 'default', sha256: gatewayKey }] } } : {}),
  ...(process.env.REDIS_URL ? { state: { redis: { url: env('REDIS_URL') } } } : {}),
});
