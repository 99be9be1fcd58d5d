/** Mappings of moet-pcgd (PCGD-XMC): survey persons (read) and annual figures (write). */
export { moetPcgdPersonsMapping } from './persons.js';
export {
  FIGURE_INDICATORS,
  figuresFromCanonical,
  figuresToCanonical,
  figuresToWire,
  moetPcgdFiguresMapping,
  type CanonicalFigures,
  type UnitLevel,
} from './figures.js';
