// `npm run demo`: the tour in ./tour.ts.
import { runDemo } from './tour.js';

await runDemo();
