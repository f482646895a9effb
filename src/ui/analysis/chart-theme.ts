/** Recharts props that make the analysis charts match the app's dark theme (styles.css tokens). */
export const GRID = { strokeDasharray: '3 3', stroke: 'rgba(255, 255, 255, 0.08)' } as const;
export const AXIS = { tick: { fill: '#9aa0aa', fontSize: 11 }, stroke: '#41454e' } as const;
export const TOOLTIP = {
  contentStyle: { background: '#23252a', border: '1px solid #41454e', borderRadius: 4, fontSize: 12, color: '#e4e6ea' },
  labelStyle: { color: '#c3c7ce' },
  itemStyle: { color: '#e4e6ea' },
  isAnimationActive: false,
} as const;
