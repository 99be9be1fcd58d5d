/**
 * The adapters of the external systems, built once from configuration: the pull sources and the push
 * targets share them (one HTTP client and one token cache per system). A system without a base URL
 * and credentials is not built (the rule: src/config.ts `systemConfigured`).
 */
import type { Logger } from 'pino';
import { createHcmCsdlAdapter, type HcmCsdlAdapter } from '../adapters/hcm-csdl/index.js';
import { createMoetPcgdAdapter, type MoetPcgdAdapter } from '../adapters/moet-pcgd/index.js';
import { createSmasAdapter, type SmasAdapter } from '../adapters/smas/index.js';
import { createVneduAdapter, type VneduAdapter } from '../adapters/vnedu/index.js';
import { systemConfigured, type Config, type SystemName } from '../config.js';
import type { Metrics } from '../observability/metrics.js';

export interface SystemAdapters {
  'hcm-csdl'?: HcmCsdlAdapter;
  'moet-pcgd'?: MoetPcgdAdapter;
  smas?: SmasAdapter;
  vnedu?: VneduAdapter;
}

/** The client-credentials settings of an OAuth2 system that is configured ({@link systemConfigured}). */
function oauthOf(system: {
  baseUrl?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  timeoutMs: number;
}) {
  const { baseUrl, clientId, clientSecret, timeoutMs } = system;
  return { baseURL: baseUrl!, clientId: clientId!, clientSecret: clientSecret!, timeoutMs };
}

/** The adapter of every system configured: the rule is {@link systemConfigured}'s, as the API's checks read it. */
export function buildAdapters(config: Config, deps: { logger: Logger; metrics: Metrics }): SystemAdapters {
  const out: SystemAdapters = {};
  const { smas, vnedu } = config.systems;
  const configured = (system: SystemName) => systemConfigured(config, system);
  if (configured('hcm-csdl'))
    out['hcm-csdl'] = createHcmCsdlAdapter(oauthOf(config.systems['hcm-csdl']), deps);
  if (configured('moet-pcgd'))
    out['moet-pcgd'] = createMoetPcgdAdapter(oauthOf(config.systems['moet-pcgd']), deps);
  if (configured('smas')) {
    const { baseUrl, apiKey, timeoutMs, watermarkOverlapSeconds } = smas;
    out.smas = createSmasAdapter({
      baseURL: baseUrl!,
      apiKey: apiKey!,
      timeoutMs,
      watermarkOverlapSeconds,
      ...deps,
    });
  }
  if (configured('vnedu')) {
    const { baseUrl, token, timeoutMs, watermarkOverlapSeconds } = vnedu;
    out.vnedu = createVneduAdapter({
      baseURL: baseUrl!,
      token: token!,
      timeoutMs,
      watermarkOverlapSeconds,
      ...deps,
    });
  }
  return out;
}
