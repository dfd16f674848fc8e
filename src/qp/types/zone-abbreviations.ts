/**
 * The zone abbreviations of PostgreSQL 15's Default set (timezone_abbreviations = 'Default',
 * pg_timezone_abbrevs) whose offset never changed: name, seconds east of UTC, and 1 for a
 * daylight-time abbreviation (DecodeDateTime's DTZ, which 'DST' may not follow). Read off
 * PostgreSQL 15 by checking each abbreviation's offset on 1 January and 1 July of every year
 * from 1850 to 2037.
 *
 * The Default set's other 50 abbreviations are dynamic: their offset follows a zone's history
 * (MSK was +04 from 2011 to 2014), so a fixed number would answer wrongly for some dates. They are
 * not read: 0A000, which asks for the zone's name instead ('Europe/Moscow' reads those dates right).
 */
export const STATIC_ZONE_ABBREVIATIONS: readonly (readonly [string, number, 1?])[] = [
  ['acdt', 37800, 1], ['acsst', 37800, 1], ['acst', 34200], ['act', -18000], ['acwst', 31500],
  ['adt', -10800, 1], ['aedt', 39600, 1], ['aesst', 39600, 1], ['aest', 36000], ['aft', 16200],
  ['akdt', -28800, 1], ['akst', -32400], ['almst', 25200, 1], ['almt', 21600], ['amt', -14400],
  ['ast', -14400], ['awsst', 32400, 1], ['awst', 28800], ['azost', 0, 1], ['azot', -3600], ['bdst', 7200, 1],
  ['bdt', 21600], ['bnt', 28800], ['bort', 28800], ['bot', -14400], ['bra', -10800], ['brst', -7200, 1],
  ['brt', -10800], ['bst', 3600, 1], ['btt', 21600], ['cadt', 37800, 1], ['cast', 34200], ['cct', 28800],
  ['cdt', -18000, 1], ['cest', 7200, 1], ['cet', 3600], ['cetdst', 7200, 1], ['chadt', 49500, 1],
  ['chast', 45900], ['chut', 36000], ['clst', -10800, 1], ['cot', -18000], ['cst', -21600], ['cxt', 25200],
  ['ddut', 36000], ['eat', 10800], ['edt', -14400, 1], ['eest', 10800, 1], ['eet', 7200], ['eetdst', 10800, 1],
  ['egst', 0, 1], ['egt', -3600], ['est', -18000], ['fet', 10800], ['fjst', 46800, 1], ['fjt', 43200],
  ['fnst', -3600, 1], ['fnt', -7200], ['galt', -21600], ['gamt', -32400], ['gft', -10800], ['gilt', 43200],
  ['gmt', 0], ['hkt', 28800], ['hst', -36000], ['ict', 25200], ['idt', 10800, 1], ['irt', 12600],
  ['ist', 7200], ['jayt', 32400], ['jst', 32400], ['kdt', 36000, 1], ['kgst', 21600, 1], ['kst', 32400],
  ['lhst', 37800], ['ligt', 36000], ['mart', -34200], ['mdt', -21600, 1], ['mest', 7200, 1], ['mesz', 7200, 1],
  ['met', 3600], ['metdst', 7200, 1], ['mez', 3600], ['mht', 43200], ['mmt', 23400], ['mpt', 36000],
  ['msd', 14400, 1], ['mst', -25200], ['must', 18000, 1], ['mut', 14400], ['mvt', 18000], ['myt', 28800],
  ['ndt', -9000, 1], ['nft', -12600], ['npt', 20700], ['nst', -12600], ['nzdt', 46800, 1], ['nzst', 43200],
  ['nzt', 43200], ['pdt', -25200, 1], ['pet', -18000], ['pgt', 36000], ['pht', 28800], ['pkst', 21600, 1],
  ['pkt', 18000], ['pmdt', -7200, 1], ['pmst', -10800], ['pont', 39600], ['pst', -28800], ['pwt', 32400],
  ['pyst', -10800, 1], ['ret', 14400], ['sadt', 37800, 1], ['sast', 7200], ['sct', 14400], ['taht', -36000],
  ['tft', 18000], ['tjt', 18000], ['tot', 46800], ['trut', 36000], ['tvt', 43200], ['uct', 0],
  ['ulast', 32400, 1], ['ut', 0], ['utc', 0], ['uyst', -7200, 1], ['uyt', -10800], ['uzst', 21600, 1],
  ['uzt', 18000], ['vut', 39600], ['wadt', 28800, 1], ['wakt', 43200], ['wast', 25200], ['wat', 3600],
  ['wdt', 32400, 1], ['wet', 0], ['wetdst', 3600, 1], ['wft', 43200], ['wgst', -7200, 1], ['wgt', -10800],
  ['xjt', 21600], ['yapt', 36000], ['yekst', 21600, 1], ['z', 0], ['zulu', 0],
];

/** The Default set's dynamic abbreviations (see above). */
export const DYNAMIC_ZONE_ABBREVIATIONS: ReadonlySet<string> = new Set([
  'amst', 'anast', 'anat', 'arst', 'art', 'azst', 'azt', 'ckt', 'clt', 'davt', 'easst', 'east',
  'fkst', 'fkt', 'gest', 'get', 'gyt', 'iot', 'irkst', 'irkt', 'kgt', 'kost', 'krast', 'krat',
  'lhdt', 'lint', 'lkt', 'magst', 'magt', 'mawt', 'msk', 'novst', 'novt', 'nut', 'omsst', 'omst',
  'petst', 'pett', 'pyt', 'sgt', 'tkt', 'tmt', 'ulat', 'vet', 'vlast', 'vlat', 'volt', 'yakst',
  'yakt', 'yekt',
]);
