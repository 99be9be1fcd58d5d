/** SMAS mappings: the shared school-system mapping tests over SMAS's fixtures (test/fixtures/smas). */
import { smasRecordSchemas } from '../../../src/adapters/smas/schema.js';
import { smasMappings } from '../../../src/mappings/smas/index.js';
import { runSchoolSystemMappings } from '../../helpers/school-system-mappings.js';

runSchoolSystemMappings('smas', smasMappings, { recordSchemas: smasRecordSchemas });
