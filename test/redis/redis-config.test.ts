/** REDIS_URL / REDIS_NAMESPACE from the environment: parsed, checked, and never logged with credentials. */
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig, redisPassword } from '../../src/config.js';
import { ConfigError } from '../../src/marketo/errors.js';

describe('Redis configuration', () => {
  it('is absent without REDIS_URL: everything runs in one process', () => {
    expect(loadConfig({}).redis).toBeUndefined();
    expect(describeConfig(loadConfig({}))).not.toHaveProperty('redis');
  });

  it('reads REDIS_URL and REDIS_NAMESPACE, and logs the URL without user or password', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://gateway:pa55-w0rd@redis.internal:6380/2',
      REDIS_NAMESPACE: 'blue',
    });
    expect(config.redis).toEqual({
      url: 'redis://gateway:pa55-w0rd@redis.internal:6380/2',
      namespace: 'blue',
    });
    const described = JSON.stringify(describeConfig(config));
    expect(described).not.toContain('pa55-w0rd');
    expect(described).not.toContain('gateway:');
    expect(describeConfig(config)).toMatchObject({
      redis: { url: 'redis://[REDACTED]@redis.internal:6380/2', namespace: 'blue' },
    });
    // Also on the logger's redaction list, should the URL ever reach a log line.
    expect(redisPassword(config.redis!.url)).toBe('pa55-w0rd');
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/^REDIS_URL/);
    expect(() =>
      loadConfig({ REDIS_URL: 'redis://localhost:6379', REDIS_NAMESPACE: 'a b' }),
    ).toThrow(/^REDIS_NAMESPACE/);
  });
});
