// Types of testPrerequisites.mjs, for test/setup/prerequisites.test.ts.
export interface TestPackage {
  apt: string;
  why: string;
  present: () => boolean;
}
export declare const DEBIAN_PYTHON: string;
export declare const FASHION_MNIST: string;
export declare function testPackages(env: Record<string, string | undefined>, options: { buildingCodeServer: boolean }): TestPackage[];
export declare function missingPackages(packages: TestPackage[]): string[];
export declare function aptPlan(
  packages: TestPackage[],
  missing: string[],
  isRoot: boolean,
): { commands: string[][]; stop?: undefined } | { stop: string; commands?: undefined };
