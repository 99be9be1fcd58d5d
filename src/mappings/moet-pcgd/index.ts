/** Mappings of moet-pcgd (PCGD-XMC): survey persons (read) and annual figures (write). */
export { moetPcgdPersonsMapping, personFromCanonical, personToCanonical } from './persons.js';
export {
  FIGURE_INDICATORS,
  figuresFromCanonical,
  figuresToCanonical,
  figuresToWire,
  moetPcgdFiguresMapping,
  type CanonicalFigures,
  type FigureIndicator,
  type FigureIndicatorCode,
  type UnitLevel,
} from './figures.js';
export { LITERACY_LIST, RESIDENCE_TYPE_LIST } from './vocab.js';
