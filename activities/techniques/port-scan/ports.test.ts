import assert from 'node:assert/strict';
import { TechniqueError } from '../types';
import { bannerText } from './banner';
import { threadsFor } from './parallel-scan';
import { compactPorts, expandPorts, parsePortList, portsToScan } from './ports';
import { TOP_100, TOP_1000 } from './presets';
import { softFileLimit } from './socket-budget';

describe('port lists', () => {
  it('expands ports and ranges in order without duplicates', () => {
    assert.deepEqual([...expandPorts([443, '20-22', 22, 80, '21-23'])], [20, 21, 22, 23, 80, 443]);
  });

  it('refuses ports and ranges outside 1 to 65535 as a permanent failure', () => {
    for (const bad of [[0], [65536], ['10-5'], ['0-10'], ['1-70000'], ['x-y']]) {
      assert.throws(() => expandPorts(bad), (error: unknown) => error instanceof TechniqueError && error.failureClass === 'permanent' && error.code === 'invalid_params');
    }
  });

  it('scans the top 100 by default and everything for "all"', () => {
    assert.equal(portsToScan({}).length, 100);
    assert.equal(portsToScan({ preset: 'top1000' }).length, 1000);
    const all = portsToScan({ preset: 'all' });
    assert.equal(all.length, 65535);
    assert.equal(all[0], 1);
    assert.equal(all[65534], 65535);
  });

  it('joins explicit ports with a preset', () => {
    const ports = portsToScan({ ports: [31337], preset: 'top100' });
    assert.equal(ports.length, 101);
    assert.ok(ports.includes(31337) && ports.includes(443));
  });

  it('ships nmap top-port lists of the right size that include the usual suspects', () => {
    assert.equal(expandPorts(parsePortList(TOP_100)).length, 100);
    assert.equal(expandPorts(parsePortList(TOP_1000)).length, 1000);
    for (const port of [21, 22, 23, 25, 53, 80, 110, 143, 443, 445, 3306, 3389, 5432, 8080]) {
      assert.ok(expandPorts(parsePortList(TOP_100)).includes(port), String(port));
    }
  });

  it('writes port lists back in range syntax', () => {
    assert.equal(compactPorts([1, 2, 3, 80, 443, 444]), '1-3,80,443-444');
    assert.equal(compactPorts(expandPorts(parsePortList(TOP_1000))), TOP_1000);
    assert.equal(compactPorts([]), '');
  });
});

describe('threads per scan', () => {
  it('keeps small scans on one thread and gives large ones a thread per 4,096 ports at most', () => {
    assert.equal(threadsFor(1000), 1);
    assert.equal(threadsFor(1000, 4), 1);
    assert.equal(threadsFor(10_000, 4), 2);
    assert.equal(threadsFor(65_535, 3), 3);
    assert.ok(threadsFor(65_535) >= 1 && threadsFor(65_535) <= 4);
  });
});

describe('banner text and socket budget', () => {
  it('shows a banner as text with control bytes escaped and the final line break dropped', () => {
    assert.equal(bannerText(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n')), 'SSH-2.0-OpenSSH_9.6');
    assert.equal(bannerText(Buffer.from('220 hi\r\n220 there\r\n')), '220 hi\\r\\n220 there');
    assert.equal(bannerText(Buffer.from([0x00, 0x41, 0xff, 0x09, 0x1b])), '\\x00A\u00ff\t\\x1b');
  });

  it('reads the soft open-files limit from /proc limits text', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units',
      'Max open files            1024                 524288               files',
    ].join('\n');
    assert.equal(softFileLimit(`${limits}\n`), 1024);
    assert.equal(softFileLimit('Max open files            unlimited            unlimited            files\n'), Number.POSITIVE_INFINITY);
    assert.equal(softFileLimit('nothing here'), undefined);
  });
});
