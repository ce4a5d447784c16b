import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * What the kernel says about processes and sockets on this machine (Linux /proc), for tests and
 * the benchmark: memory, listening ports, established connections. No process needs a debug
 * endpoint for these.
 */

/** Resident memory of a process, in bytes. */
export function rssBytes(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb * 1024;
}

/** The rows of /proc/net/tcp and tcp6, split into columns (1: local, 2: remote, 3: state, 9: inode). */
function tcpRows(): string[][] {
  const rows: string[][] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 on this machine
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9) rows.push(cols);
    }
  }
  return rows;
}

const hexPort = (port: number) => `:${port.toString(16).toUpperCase().padStart(4, '0')}`;

/** ESTABLISHED TCP connections to a server on `port` of this machine (each counted once). */
export function tcpConnectionsTo(port: number): number {
  return tcpRows().filter((c) => c[2].endsWith(hexPort(port)) && c[3] === '01').length;
}

/** TCP ports a process listens on, to show what a role serves. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return tcpRows()
    .filter((c) => c[3] === '0A' && inodes.has(c[9]))
    .map((c) => parseInt(c[1].split(':').pop()!, 16));
}
