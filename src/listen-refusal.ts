/**
 * A port a role cannot listen on, said as the configuration problem it is (ops14): the API's `PORT`, a worker's or a
 * scheduler's metrics port. Node's own words (`listen EADDRINUSE: address already in use 0.0.0.0:9464`) reached the
 * operator as "lỗi không mong đợi / unexpected error", naming no setting: a second `truc worker` on one host, on the
 * default metrics port, stopped so. Refused as a configuration is (exit 2), in both languages, naming the variable.
 */
import { ConfigError } from './config.js';

/** What a role listens on, and the variable that sets its port. */
export interface ListenTarget {
  port: number;
  host: string;
  setting: string;
}

/** The problem of a failed listen, or undefined when it is not one of the host's refusals named here. */
function problemOf(err: unknown, t: ListenTarget): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const where = `${t.setting}=${t.port} (HOST ${t.host})`;
  if (code === 'EADDRINUSE')
    return (
      `${where}: cổng ${t.port} đang được một tiến trình khác dùng; dừng tiến trình đó hoặc đặt ${t.setting} một cổng ` +
      `còn trống (mỗi tiến trình truc trên một máy cần cổng riêng) / ${where}: port ${t.port} is in use by another ` +
      `process; stop it or set ${t.setting} to a free port (each truc process on one host needs its own)`
    );
  if (code === 'EACCES')
    return (
      `${where}: không được phép nghe cổng ${t.port} (cổng dưới 1024 cần quyền quản trị; ảnh Docker chạy không phải ` +
      `root); đặt ${t.setting} từ 1024 trở lên / ${where}: not allowed to listen on port ${t.port} (a port below 1024 ` +
      `needs privileges; the image runs as non-root); set ${t.setting} to 1024 or above`
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return (
      `HOST=${t.host}: máy này không có địa chỉ ${t.host}; đặt HOST một địa chỉ của máy này, hoặc 0.0.0.0 (mọi địa ` +
      `chỉ) / HOST=${t.host}: this host has no address ${t.host}; set HOST to one of its addresses, or 0.0.0.0 (all)`
    );
  return undefined;
}

/** `err` as a {@link ConfigError} naming `t`'s setting when the host refused the listen, else `err` itself. */
export function listenRefusal(err: unknown, t: ListenTarget): unknown {
  const problem = problemOf(err, t);
  return problem === undefined ? err : new ConfigError([problem]);
}
