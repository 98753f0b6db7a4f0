/**
 * Text in scripts written without spaces (Chinese, Japanese, Thai): spacing
 * when word tokens are joined back, for every tokenizer. The sentences are
 * written for these tests.
 */
import { describe, expect, it } from 'vitest';
import { detokenize, separator, tokenize } from '../../src/data/tokenize.js';
import { sampleWriter } from '../../src/infer/sample.js';

const word = { level: 'word', tokenize: 'default', lowercase: false } as const;
const ws = { level: 'word', tokenize: 'whitespace', lowercase: false } as const;

const JA = ['東京タワーに行きました。', '私は昨日、新しい本を買いました。', '猫が窓のそばで寝ている。', 'コーヒーを飲みますか？', '「おはよう」と母が言った。'];
const ZH = ['我今天去了北京，天气很好。', '他说：“我们明天见。”', '这本书非常有意思。'];

describe('no spaces where the script has none, for every tokenizer', () => {
  it('the default tokenizer puts no space before 。 or between runs and CJK punctuation', () => {
    for (const s of [...JA, ...ZH]) expect(detokenize(tokenize(s, word), word), s).toBe(s);
    expect(detokenize(['東京タワーに行きました', '。'], word)).toBe('東京タワーに行きました。');
  });

  it('the whitespace tokenizer joins a pre-segmented Japanese corpus without spaces', () => {
    expect(detokenize(tokenize('東京 タワー に 行き まし た 。', ws), ws)).toBe('東京タワーに行きました。');
    expect(detokenize(tokenize('我 今天 去 了 北京 ， 天气 很 好 。', ws), ws)).toBe('我今天去了北京，天气很好。');
    expect(detokenize(['the', 'cat', '.'], ws)).toBe('the cat .');
  });

  it('CJK punctuation and fullwidth forms take no space on either side, whatever the neighbour', () => {
    for (const tok of [word, ws]) {
      expect(detokenize(['「', 'OK', '」', 'と', '言', 'っ', 'た', '。'], tok)).toBe('「OK」と言った。');
      expect(detokenize(['Hello', '。', 'World', '！'], tok)).toBe('Hello。World！');
      expect(detokenize(['面白い', '（', '笑', '）'], tok)).toBe('面白い（笑）');
      expect(detokenize(['値段', 'は', '１００', '円', 'です'], tok)).toBe('値段は１００円です');
      expect(detokenize(['ラーメン', '・', 'うどん', '〜', 'そば'], tok)).toBe('ラーメン・うどん〜そば');
    }
  });

  it('digits and Latin words next to Chinese or Japanese take no space; the spaced rule holds elsewhere', () => {
    for (const tok of [word, ws]) {
      expect(detokenize(['2024', '年', '3', '月', '15', '日', 'に', '会', 'いましょう', '。'], tok)).toBe('2024年3月15日に会いましょう。');
      expect(detokenize(['iPhone', '15', 'を', '買', 'った'], tok)).toBe('iPhone 15を買った');
      expect(detokenize(['東京', 'Tower', 'に', '行く'], tok)).toBe('東京Towerに行く');
    }
    // as typed: iPhone 15を買った; a space the writer put between 東京 and Tower is not kept
    expect(detokenize(tokenize('iPhone 15を買った', word), word)).toBe('iPhone 15を買った');
    expect(detokenize(tokenize('東京 Tower に行く', word), word)).toBe('東京Towerに行く');
    expect(detokenize(['Hello', ',', 'world', '(', 'yes', ')', '!'], word)).toBe('Hello, world (yes)!');
    expect(detokenize(['Привет', ',', 'мир', '!'], word)).toBe('Привет, мир!');
  });

  it('Thai words join up, but digits and Latin words keep their spaces', () => {
    for (const tok of [word, ws]) {
      expect(detokenize(['ฉัน', 'มี', 'แมว', '2', 'ตัว'], tok)).toBe('ฉันมีแมว 2 ตัว');
      expect(detokenize(['ผม', 'ใช้', 'iPhone', 'ทุก', 'วัน'], tok)).toBe('ผมใช้ iPhone ทุกวัน');
    }
    expect(detokenize(tokenize('ฉันมีแมว 2 ตัว', word), word)).toBe('ฉันมีแมว 2 ตัว');
  });

  it('judges by whole code points: a Han character outside the BMP closes up, an emoji does not', () => {
    for (const tok of [word, ws]) {
      expect(separator('𠮷', '野', tok)).toBe(''); // U+20BB7, a surrogate pair
      expect(separator('野', '𠮷', tok)).toBe('');
      expect(separator('😀', 'ok', tok)).toBe(' ');
      expect(separator('ok', '😀', tok)).toBe(' ');
    }
  });

  it('char level is unchanged: nothing between tokens', () => {
    const char = { level: 'char', tokenize: 'default', lowercase: false } as const;
    expect(detokenize(tokenize('東京 Tower', char), char)).toBe('東京 Tower');
  });

  it('a streamed sample is spaced as detokenize spaces it, after a Japanese prime as typed', () => {
    const tokens = ['に', '行き', 'ま', 'した', '。', 'iPhone', '15', 'を', '買', 'った'];
    const next = sampleWriter(word, '私は東京');
    const text = '私は東京' + tokens.map(next).join('');
    expect(text).toBe('私は東京に行きました。iPhone 15を買った');
    expect(text).toBe(detokenize([...tokenize('私は東京', word), ...tokens], word));
  });
});
