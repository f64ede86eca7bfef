// SVG presentation attributes do not take CSS variables, so the charts' colours are constants
// here, matching --accent and friends in styles.css.
export const chartColors = {
  bar: "#4f46e5",
  barMuted: "#a5b4fc",
  grid: "#e5e7eb",
  axis: "#6b7280",
  cursor: "rgba(79, 70, 229, 0.08)",
};
