/** vnEdu mappings: the shared school-system mapping tests over vnEdu's fixtures (test/fixtures/vnedu). */
import { vneduRecordSchemas } from '../../../src/adapters/vnedu/schema.js';
import { vneduMappings } from '../../../src/mappings/vnedu/index.js';
import { runSchoolSystemMappings } from '../../helpers/school-system-mappings.js';

runSchoolSystemMappings('vnedu', vneduMappings, {
  recordSchemas: vneduRecordSchemas,
  offSchema: (c) => c.name.includes('loosely typed push'),
});
