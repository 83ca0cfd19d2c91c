/**
 * Just enough of source maps (v3) to turn a position in the bundled user code back
 * into file:line:col of the user's own source, for error messages. Node's own
 * source-map support does not cover code compiled with vm, hence this.
 */
export interface SourceMapJson {
  sources: string[];
  mappings: string;
}

export interface OriginalPosition {
  source: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Segments per generated line: [generatedColumn, sourceIndex, sourceLine, sourceColumn], all 0-based. */
type Segment = [number, number, number, number];

export class SourceMap {
  private readonly lines: Segment[][];

  constructor(private readonly map: SourceMapJson) {
    this.lines = decodeMappings(map.mappings);
  }

  /** The original position of a 1-based generated line and column, if mapped. */
  originalPosition(line: number, column: number): OriginalPosition | undefined {
    const segments = this.lines[line - 1];
    if (!segments || segments.length === 0) return undefined;
    let best: Segment | undefined;
    for (const s of segments) {
      if (s[0] <= column - 1) best = s;
      else break;
    }
    best ??= segments[0];
    const source = this.map.sources[best[1]];
    return source === undefined ? undefined : { source, line: best[2] + 1, column: best[3] + 1 };
  }
}

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let source = 0;
  let srcLine = 0;
  let srcCol = 0;
  for (const lineText of mappings.split(';')) {
    const segments: Segment[] = [];
    let genCol = 0;
    for (const seg of lineText.split(',')) {
      if (seg === '') continue;
      const v = decodeVlq(seg);
      genCol += v[0];
      if (v.length >= 4) {
        source += v[1];
        srcLine += v[2];
        srcCol += v[3];
        segments.push([genCol, source, srcLine, srcCol]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`invalid base64 digit '${c}' in source map`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
      value = 0;
      shift = 0;
    }
  }
  return values;
}
