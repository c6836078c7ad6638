// Types of system-parts.mjs (plain JavaScript so that it runs before npm has built anything).
export interface SystemPart {
  what: string;
  present(): boolean;
  debian: string[];
}
export interface TestGroup {
  name: string;
  parts: string[];
  files: string[];
}
export const ENABLE_COMMAND: string;
export const PARTS: Record<string, SystemPart>;
export const GROUPS: TestGroup[];
export function kubebuilderAssets(): string;
export function missingPartIds(ids?: string[]): string[];
export function unrunnableGroups(): Array<TestGroup & { lacking: string[] }>;
export function skipLine(group: TestGroup & { lacking: string[] }): string;
export function install(): number;
