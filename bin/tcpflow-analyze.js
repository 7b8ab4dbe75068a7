#!/usr/bin/env node
// The CLI as one bundled module (npm run build): ~0.1 s less start-up than loading its ~140 modules one by one.
import '../dist/bundle/main.js';
