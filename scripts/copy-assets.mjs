// After `tsc`, copy the non-TypeScript files the program reads at run time into dist/.
import { cpSync } from 'node:fs';

cpSync('src/store/migrations', 'dist/store/migrations', { recursive: true });
cpSync('src/canonical/data', 'dist/canonical/data', { recursive: true });
