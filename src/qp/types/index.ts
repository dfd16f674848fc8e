/**
 * The SQL type system of the query processor: per-type text and binary I/O, typmods, casts,
 * comparison, operators and functions, with PostgreSQL 15's output formats and errors.
 * Pure functions, no I/O. Values are represented as src/contracts/sql-value.ts documents.
 */
export {
  type SqlType, allTypes, typeByOid, requireType, formatType, applyTypmod, lengthTypmod,
  parseTextValue, formatTextValue, parseBinaryValue, formatBinaryValue, typeLength, isCollatable,
} from './registry.js';
export { isRegType, regTypeName, regTypeOid } from './reg-types.js';
export { type CastContext, type CastFn, castContext, castFunction, castValue, isStringType } from './casts.js';
export { type Comparator, comparator, compare, compareFloats, hasComparator } from './compare.js';
export { type OperatorFn, type ResolvedOperator, resolveOperator, operatorIsAmbiguous, operatorNames, numericPower } from './operators.js';
export {
  type FunctionContext, type FunctionImpl, type ResolvedFunction, resolveFunction, functionIsAmbiguous, functionNames, randomUuid, substring,
} from './functions.js';
export { ANY, ANY_NONARRAY, selectCandidate } from './resolve.js';
export {
  NUMERIC_NAN, NUMERIC_PINF, NUMERIC_NINF, NUMERIC_ZERO, numeric, numericFromBigint, parseNumeric, formatNumeric,
  numericTypmod, numericTypmodPrecision, numericTypmodScale, applyNumericTypmod, compareNumeric,
  numericAdd, numericSub, numericMul, numericDiv, numericDivTrunc, numericMod, numericNegate, numericAbs,
  numericRound, numericTrunc, numericCeil, numericFloor, numericSqrt, numericSign, numericSignValue, selectDivScale,
  numericToFloat, numericFromFloat, numericToBinary, numericFromBinary, rescale as numericRescale,
} from './numeric.js';
export {
  parseBool, parseInt2, parseInt4, parseInt8, parseOid, parseFloat4, parseFloat8, formatFloat4, formatFloat8,
  checkInt2, checkInt4, checkInt8, roundHalfEven,
} from './scalars.js';
export {
  POSTGRES_EPOCH_JDATE, UNIX_EPOCH_MICROS, USECS_PER_DAY, TIMESTAMP_NEG_INFINITY, date2j, j2date,
  parseDate, parseTimestamp, formatDate, formatTimestamp, timestampFromUnixMicros, dateFromUnixMicros,
  parseTime, formatTime, timeFromUnixMicros,
  dateToTimestamp, timestampToDate,
} from './datetime.js';
export {
  parseInterval, formatInterval, intervalTypmod, compareInterval, intervalSpan, intervalAdd, intervalSub, intervalNegate, intervalMul,
  intervalDiv, timestampPlusInterval, timestampDiff, ZERO_INTERVAL,
} from './interval.js';
export { parseJson, parseJsonb } from './json.js';
export { toJson } from './json-functions.js';
export { formatArray, splitArrayText, quoteArrayElement, arrayElements } from './arrays.js';
export { likeMatch, regexMatch, likeToRegexSource } from './patterns.js';
export { charLength, octetLength, compareText, bpcharStrip, formatBytea, parseBytea, parseUuid } from './strings.js';
export { formatRecord, compareRecords, recordJson, recordJsonb } from './records.js';
