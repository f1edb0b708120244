import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess({ script: true, style: false }),
  compilerOptions: {
    // Runes everywhere; component styles go to the CSS file (style-src 'self').
    runes: true,
    css: 'external',
  },
};
