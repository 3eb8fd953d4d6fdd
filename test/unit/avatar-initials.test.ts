import { describe, expect, it } from 'vitest';
import { initialsOf, initialsSvg } from '../../src/http/dialects/avatar.js';

describe('generated avatars', () => {
  it.each([
    ['ann.lee', 'AL'],
    ['Bo Chen', 'BC'],
    ['émile zola', 'ÉZ'],
    ['jo_anne-smith', 'JA'],
    ['solo', 'S'],
    ['', '?'],
    ['<script>', '?'],
    ['"><img', '?'],
  ])('draws the initials of %j as %j', (name, initials) => {
    expect(initialsOf(name)).toBe(initials);
  });

  it('puts nothing of the name into the SVG but its initials (markup injection through a username)', () => {
    for (const name of ['"><script>alert(1)</script>', "x' onload='alert(1)", '&amp;<!--']) {
      const svg = initialsSvg(name);
      expect(svg).not.toMatch(/script|onload|<!--/i);
      expect(svg.match(/<text[^>]*>([^<]*)<\/text>/)?.[1]).toBe(initialsOf(name));
    }
  });

  it('gives one name always the same colour, whatever its case', () => {
    const fill = (svg: string) => svg.match(/<rect[^>]*fill="([^"]+)"/)?.[1];
    expect(fill(initialsSvg('Ann.Lee'))).toBe(fill(initialsSvg('ann.lee')));
  });
});
