import { RecordValue, TypeOid, type IntervalValue, type SqlValue } from '../../contracts/sql-value.js';
import { formatIntervalStyled, type IntervalStyle } from './interval-styles.js';
import { formatRecord } from './records.js';
import { arrayElements, formatArray } from './arrays.js';
import { formatTextValue, requireType, typeByOid } from './registry.js';
import { formatFloatDigits } from './scalars.js';
import { formatInZone, UTC_ZONE, type SessionZone } from './session-zone.js';

/**
 * The session settings that change how values print (PostgreSQL's output functions read them
 * each time they run): bytea_output and extra_float_digits. The default style prints as the
 * type registry does; another style changes bytea, float4 and float8 values, alone or in arrays.
 */
export interface OutputStyle {
  readonly byteaEscape: boolean;
  /** -15..3; above 0, shortest exact digits (the registry's output). */
  readonly extraFloatDigits: number;
  /**
   * TimeZone: how timestamptz prints, and (though the name says output) how a wall-clock time
   * without an offset reads and what timestamptz casts and calendar functions see.
   */
  readonly timeZone: SessionZone;
  readonly intervalStyle: IntervalStyle;
}

export const DEFAULT_OUTPUT_STYLE: OutputStyle = { byteaEscape: false, extraFloatDigits: 1, timeZone: UTC_ZONE, intervalStyle: 'postgres' };

export function isDefaultStyle(style: OutputStyle | undefined): boolean {
  return !style || (!style.byteaEscape && style.extraFloatDigits > 0 && style.timeZone === UTC_ZONE && style.intervalStyle === 'postgres');
}

/**
 * The session's zone in a running statement (UTC for a caller with no session). Folding at
 * plan time passes a null context: it throws then, so what depends on the zone is not folded.
 */
export function sessionZone(ctx: { readonly outputStyle?: OutputStyle } | null | undefined): SessionZone {
  if (ctx === null) throw new Error('the session zone is known only when the statement runs');
  return ctx?.outputStyle?.timeZone ?? UTC_ZONE;
}

/** Whether values of this type (or its elements) print differently in some style. */
export function isStyledType(oid: number): boolean {
  const element = typeByOid(oid)?.element ?? 0;
  const base = element !== 0 ? element : oid;
  return base === TypeOid.bytea || base === TypeOid.float4 || base === TypeOid.float8 || base === TypeOid.timestamptz || base === TypeOid.interval || oid === TypeOid.record;
}

/** The output function of a type in a style. */
export function styledOutput(oid: number, style: OutputStyle | undefined): (v: SqlValue) => string {
  const type = typeByOid(oid === TypeOid.unknown ? TypeOid.text : oid);
  if (!type) return (v) => formatTextValue(oid, v) ?? '';
  if (isDefaultStyle(style) || !isStyledType(oid)) return (v) => type.formatText(v);
  const s = style!;
  if (type.element !== 0) {
    const elementType = requireType(type.element);
    const element = styledOutput(type.element, s);
    const printer = { ...elementType, formatText: element };
    return (v) => formatArray(arrayElements(v as string, elementType), printer);
  }
  switch (oid) {
    case TypeOid.record: return (v) => formatRecord(v as RecordValue, (field, value) => styledOutput(field, s)(value));
    case TypeOid.interval: return s.intervalStyle === 'postgres' ? (v) => type.formatText(v) : (v) => formatIntervalStyled(v as IntervalValue, s.intervalStyle);
    case TypeOid.bytea: return s.byteaEscape ? (v) => formatByteaEscape(v as Uint8Array) : (v) => type.formatText(v);
    case TypeOid.timestamptz: return s.timeZone === UTC_ZONE ? (v) => type.formatText(v) : (v) => formatInZone(v as bigint, s.timeZone);
    case TypeOid.float4: return s.extraFloatDigits > 0 ? (v) => type.formatText(v) : (v) => formatFloatDigits(v as number, 6 + s.extraFloatDigits);
    default: return s.extraFloatDigits > 0 ? (v) => type.formatText(v) : (v) => formatFloatDigits(v as number, 15 + s.extraFloatDigits);
  }
}

/** byteaout with bytea_output = escape: printable ASCII as is, \ doubled, other bytes \ooo. */
export function formatByteaEscape(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b < 0x20 || b > 0x7e) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}
