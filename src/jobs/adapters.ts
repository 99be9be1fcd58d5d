/**
 * The adapters of the external systems, built once from configuration: the pull sources and the push
 * targets share them (one HTTP client and one token cache per system). A system without a base URL
 * and credentials is not built.
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

export function buildAdapters(config: Config, deps: { logger: Logger; metrics: Metrics }): SystemAdapters {
  const out: SystemAdapters = {};
  const { 'hcm-csdl': hcm, 'moet-pcgd': moet, smas, vnedu } = config.systems;
  if (hcm.baseUrl && hcm.clientId && hcm.clientSecret) {
    out['hcm-csdl'] = createHcmCsdlAdapter(
      {
        baseURL: hcm.baseUrl,
        clientId: hcm.clientId,
        clientSecret: hcm.clientSecret,
        timeoutMs: hcm.timeoutMs,
      },
      deps,
    );
  }
  if (moet.baseUrl && moet.clientId && moet.clientSecret) {
    out['moet-pcgd'] = createMoetPcgdAdapter(
      {
        baseURL: moet.baseUrl,
        clientId: moet.clientId,
        clientSecret: moet.clientSecret,
        timeoutMs: moet.timeoutMs,
      },
      deps,
    );
  }
  if (smas.baseUrl && smas.apiKey) {
    out.smas = createSmasAdapter({
      baseURL: smas.baseUrl,
      apiKey: smas.apiKey,
      timeoutMs: smas.timeoutMs,
      ...deps,
    });
  }
  if (vnedu.baseUrl && vnedu.token) {
    out.vnedu = createVneduAdapter({
      baseURL: vnedu.baseUrl,
      token: vnedu.token,
      timeoutMs: vnedu.timeoutMs,
      ...deps,
    });
  }
  return out;
}
