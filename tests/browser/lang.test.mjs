// Issue 17: Dutch, English and Turkish walked through the whole page;
// what is checked and why: tests/browser/lib/langwalk.mjs.
import { langTests } from './lib/langwalk.mjs';

langTests(['nl', 'en', 'tr']);
