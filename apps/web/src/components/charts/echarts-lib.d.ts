// ECharts ships no declarations for its per-piece modules under `echarts/lib`; each of the
// installers the loader imports exports `install`, the extension `use()` takes.
declare module 'echarts/lib/*' {
  import type { use } from 'echarts/core';
  export const install: Parameters<typeof use>[0];
}
