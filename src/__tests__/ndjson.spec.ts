import { asGenerateEvent, NdjsonDecoder } from '../ndjson';
import { readEvents } from '../stream';

describe('NdjsonDecoder', () => {
  it('joins lines split across chunks and skips blank lines', () => {
    const decoder = new NdjsonDecoder();
    expect(decoder.push('{"type":"del')).toEqual([]);
    expect(decoder.push('ta","index":0,"text":"a"}\n\n{"a":')).toEqual([
      { type: 'delta', index: 0, text: 'a' }
    ]);
    expect(decoder.push('1}')).toEqual([]);
    expect(decoder.finish()).toEqual([{ a: 1 }]);
    expect(decoder.finish()).toEqual([]);
  });

  it('says which line is not JSON', () => {
    expect(() => new NdjsonDecoder().push('<html>\n')).toThrow(
      /not JSON: <html>/
    );
  });
});

describe('asGenerateEvent', () => {
  it('keeps known events and ignores others', () => {
    expect(asGenerateEvent({ type: 'done', finish_reasons: [] })).toEqual({
      type: 'done',
      finish_reasons: []
    });
    expect(asGenerateEvent({ type: 'future' })).toBeNull();
    expect(asGenerateEvent('text')).toBeNull();
    expect(asGenerateEvent(null)).toBeNull();
  });
});

describe('readEvents', () => {
  it('decodes a byte stream whose characters are split between chunks', async () => {
    const bytes = new TextEncoder().encode(
      '{"type":"delta","index":0,"text":"é"}\n{"type":"done","finish_reasons":["stop"]}'
    );
    const split = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      }
    });
    const seen: unknown[] = [];
    await readEvents(body, event => seen.push(event));
    expect(seen).toEqual([
      { type: 'delta', index: 0, text: 'é' },
      { type: 'done', finish_reasons: ['stop'] }
    ]);
  });
});
