import type { CaptureInfo, CaptureIssue, CaptureIssueCode } from './record.js';

interface Repeated {
  issue: CaptureIssue;
  detail: string;
  count: number;
}

/**
 * Writes CaptureIssues into `info.issues`. Problems that can repeat for every record (bad
 * timestamps, caplen > snaplen, unknown interfaces) are kept once per input with a count, so a
 * capture with a million odd records still yields a short report and bounded memory.
 */
export class IssueLog {
  private readonly repeated = new Map<CaptureIssueCode, Repeated>();

  constructor(private readonly info: CaptureInfo) {}

  /** A one-off problem (the reader stops or the input ends here). Returns the issue so its detail can be completed later. */
  add(code: CaptureIssueCode, byteOffset: number, detail: string): CaptureIssue {
    const issue = { code, byteOffset, detail };
    this.info.issues.push(issue);
    return issue;
  }

  /** A problem that may repeat: recorded at its first occurrence, counted afterwards. */
  note(code: CaptureIssueCode, byteOffset: number, detail: string): void {
    const r = this.repeated.get(code);
    if (r) {
      r.count++;
      return;
    }
    const issue = this.add(code, byteOffset, detail);
    this.repeated.set(code, { issue, detail, count: 1 });
  }

  /** Puts the counts into the details; call once at the end of the input. */
  finish(): void {
    for (const r of this.repeated.values()) {
      r.issue.detail = `${r.detail} (${r.count} record${r.count === 1 ? '' : 's'} in this input; the offset is the first)`;
    }
  }
}
