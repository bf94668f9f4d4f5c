// @careline/dev is a command (`npm start`, src/main.ts); this door only serves its tests and tools.
export { type BannerInput, renderBanner } from './banner';
