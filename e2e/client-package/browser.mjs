// The tour in a browser page: the page sets `globalThis.tourOptions`, and awaits `globalThis.tourDone`.
import { tour } from "./tour.mjs";

globalThis.tourDone = tour(globalThis.tourOptions);
