import type { ConnectorLog } from '../../connectors/connector.js';

/** A ConnectorLog that keeps every line (to assert on, e.g. that no secret is ever logged). */
export class MemoryLog implements ConnectorLog {
  readonly lines: { level: string; obj: object; msg: string | undefined }[] = [];
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: 'error', obj, msg });
  }
  debug(obj: object, msg?: string): void {
    this.lines.push({ level: 'debug', obj, msg });
  }
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.msg ?? ''} ${JSON.stringify(l.obj)}`).join('\n');
  }
}
