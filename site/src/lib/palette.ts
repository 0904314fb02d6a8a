/** Category colours of the map, readable on light and dark backgrounds (Tableau 10 + grey for "other"). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#8f8f8f'];
