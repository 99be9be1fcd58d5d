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
import type { Config } from '../config.js';
import type { Metrics } from '../observability/metrics.js';

export interface SystemAdapters {
  'hcm-csdl'?: HcmCsdlAdapter;
  'moet-pcgd'?: MoetPcgdAdapter;
  smas?: SmasAdapter;
  vnedu?: VneduAdapter;
}

/** The client-credentials settings of an OAuth2 system, or undefined when it is not configured. */
function oauthOf(system: {
  baseUrl?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  timeoutMs: number;
}) {
  const { baseUrl, clientId, clientSecret, timeoutMs } = system;
  return baseUrl && clientId && clientSecret
    ? { baseURL: baseUrl, clientId, clientSecret, timeoutMs }
    : undefined;
}

export function buildAdapters(config: Config, deps: { logger: Logger; metrics: Metrics }): SystemAdapters {
  const out: SystemAdapters = {};
  const { smas, vnedu } = config.systems;
  const hcm = oauthOf(config.systems['hcm-csdl']);
  if (hcm) out['hcm-csdl'] = createHcmCsdlAdapter(hcm, deps);
  const moet = oauthOf(config.systems['moet-pcgd']);
  if (moet) out['moet-pcgd'] = createMoetPcgdAdapter(moet, deps);
  if (smas.baseUrl && smas.apiKey) {
    const { baseUrl: baseURL, apiKey, timeoutMs, watermarkOverlapSeconds } = smas;
    out.smas = createSmasAdapter({ baseURL, apiKey, timeoutMs, watermarkOverlapSeconds, ...deps });
  }
  if (vnedu.baseUrl && vnedu.token) {
    const { baseUrl: baseURL, token, timeoutMs, watermarkOverlapSeconds } = vnedu;
    out.vnedu = createVneduAdapter({ baseURL, token, timeoutMs, watermarkOverlapSeconds, ...deps });
  }
  return out;
}
