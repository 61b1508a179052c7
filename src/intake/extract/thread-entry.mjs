// The worker thread's entry: plain ESM, so it loads the TypeScript extractor through tsx whether or
// not the parent process runs under tsx (the API does; jest does not).
import { tsImport } from 'tsx/esm/api';

const mod = await tsImport('./thread.ts', import.meta.url);
export default mod.default.default ?? mod.default;
