// Mehvar's small client side: keyboard shortcuts and the help overlay. Pages work without it.
"use strict";
