// Issue 17: Arabic, Tigrinya and Chinese walked through the whole page
// (Arabic and Chinese log in with the receipt in their own digits);
// what is checked and why: tests/browser/lib/langwalk.mjs.
import { langTests } from './lib/langwalk.mjs';

langTests(['ar', 'ti', 'zh']);
