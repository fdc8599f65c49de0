export interface BenchRow { case: string; tool: string; ours_ms: number; theirs_ms: number; agree: boolean; note?: string }
