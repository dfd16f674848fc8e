/**
 * The name of a result column's type, as psql's \d shows it: format_type's name for the OID
 * (read from pg_type when the connection opened) with the type modifier the RowDescription
 * carries, for the types whose modifier is a length or a precision.
 */
export function typeName(names: ReadonlyMap<number, string>, oid: number, modifier: number): string {
  const name = names.get(oid) ?? `oid ${oid}`;
  if (modifier < 0) return name;
  switch (oid) {
    case 1043: // varchar
    case 1042: // bpchar
      return `${name}(${modifier - 4})`;
    case 1700: { // numeric: ((precision << 16) | scale) + 4
      const packed = modifier - 4;
      return `${name}(${(packed >> 16) & 0xffff},${packed & 0xffff})`;
    }
    case 1083: case 1266: case 1114: case 1184: case 1186: // time, timetz, timestamp, timestamptz, interval
      return oid === 1186 ? name : name.replace(/^(time(?:stamp)?)/, `$1(${modifier})`);
    default:
      return name;
  }
}
