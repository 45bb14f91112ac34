import { describe, expect, it } from 'vitest';
import { freeOctet, isPoolOverlap, withFreeSubnets, type FreeOctetOptions } from './free-subnets.js';
import { parseCidr, type Ipv4Network } from './ipv4.js';

const cidrs = (...list: string[]): Ipv4Network[] => list.map((cidr) => parseCidr(cidr)!);
const LAB: FreeOctetOptions = { patterns: ['10.148.X.0/24', '10.120.X.0/24', '198.18.X.0/24'], octets: [100, 199], start: 150 };
// What dockerd answers (through dockerode) when the subnet is taken.
const poolOverlaps = () => new Error('(HTTP code 403) unexpected - Pool overlaps with other one on this address space');

describe('freeOctet', () => {
  it('begins at start when nothing there is taken: the same networks give the same octet', () => {
    expect(freeOctet(LAB, cidrs('172.17.0.0/16', '10.148.10.0/24'))).toBe(150);
    expect(freeOctet(LAB, cidrs('172.17.0.0/16', '10.148.10.0/24'))).toBe(150);
  });

  it('skips an octet when any one of its subnets overlaps a network, however wide that network is', () => {
    expect(freeOctet(LAB, cidrs('10.148.150.0/24'))).toBe(151);
    expect(freeOctet(LAB, cidrs('198.18.150.128/25', '10.120.151.0/24'))).toBe(152);
    expect(freeOctet(LAB, cidrs('10.148.128.0/18'))).toBe(192); // 10.148.128.0 .. 10.148.191.255
  });

  it('wraps round to the bottom of the range, and takes a start outside the range into it', () => {
    expect(freeOctet(LAB, cidrs('10.148.128.0/17'))).toBe(100); // 10.148.128.0 .. 10.148.255.255
    expect(freeOctet({ ...LAB, start: 4242 }, [])).toBe(100 + ((4242 - 100) % 100));
  });

  it('is null when every octet is taken', () => {
    expect(freeOctet(LAB, cidrs('198.18.0.0/16'))).toBeNull();
  });

  it('refuses a range outside 0..255 or a pattern that makes no network', () => {
    expect(() => freeOctet({ ...LAB, octets: [200, 300] }, [])).toThrow(/octets 200\.\.300/);
    expect(() => freeOctet({ ...LAB, patterns: ['10.300.X.0/24'] }, [])).toThrow(/10\.300\.150\.0\/24 is not a network/);
  });
});

describe('withFreeSubnets', () => {
  it("asks again and moves on when Docker answers 'Pool overlaps' (another lab took the subnet meanwhile)", async () => {
    const looks: number[] = [];
    const tried: Array<[number, string[]]> = [];
    const result = await withFreeSubnets(
      { ...LAB, taken: async () => (looks.push(looks.length), cidrs('10.148.150.0/24')) },
      async (octet, subnets) => {
        tried.push([octet, subnets]);
        if (octet === 151) throw new Error('cannot create the lab network cluster_kzh', { cause: poolOverlaps() });
        return `up on ${octet}`;
      },
    );
    expect(result).toBe('up on 152');
    expect(tried).toEqual([
      [151, ['10.148.151.0/24', '10.120.151.0/24', '198.18.151.0/24']],
      [152, ['10.148.152.0/24', '10.120.152.0/24', '198.18.152.0/24']],
    ]);
    expect(looks).toHaveLength(2);
  });

  it('rethrows any other error at once', async () => {
    let attempts = 0;
    await expect(withFreeSubnets({ ...LAB, taken: async () => [] }, async () => { attempts++; throw new Error('no such image'); })).rejects.toThrow('no such image');
    expect(attempts).toBe(1);
  });

  it('gives up after its attempts, naming the patterns and range, with the last overlap as cause', async () => {
    const failing = withFreeSubnets({ ...LAB, attempts: 3, taken: async () => [] }, async () => { throw poolOverlaps(); });
    await expect(failing).rejects.toThrow(/^no free subnets for a lab among 10\.148\.X\.0\/24, 10\.120\.X\.0\/24, 198\.18\.X\.0\/24 with X in 100\.\.199/);
    await expect(failing).rejects.toHaveProperty('cause.message', expect.stringMatching(/Pool overlaps/));
  });

  it('recognises the overlap in the error or any of its causes, and nothing else', () => {
    expect(isPoolOverlap(poolOverlaps())).toBe(true);
    expect(isPoolOverlap(new Error('lab up failed', { cause: new Error('x', { cause: poolOverlaps() }) }))).toBe(true);
    expect(isPoolOverlap(new Error('network with name x already exists'))).toBe(false);
    expect(isPoolOverlap('Pool overlaps')).toBe(false);
  });
});
