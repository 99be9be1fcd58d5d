// After `tsc`, copy the non-TypeScript files the program reads at run time into dist/.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';

cpSync('src/store/migrations', 'dist/store/migrations', { recursive: true });
cpSync('src/canonical/data', 'dist/canonical/data', { recursive: true });

// The operations dashboard (issue 11): bundled once here, served from dist/dashboard by the built program.
const { bundleDashboard } = await import('../dist/api/dashboard-assets.js');
const assets = await bundleDashboard({ minify: true });
mkdirSync('dist/dashboard', { recursive: true });
for (const [name, body] of Object.entries(assets)) writeFileSync(`dist/dashboard/${name}`, body);
