// The result grid: justified rows (each picture keeps its aspect ratio; each full row spans
// the width) and windowed: every result is laid out as numbers, but only the rows near the
// viewport are in the DOM. 100k results cost an array of boxes, not 100k cards.

const ROW = 200; // a row's picture height before it is fitted to the width (CSS px)
const GAP = 6;
const CAPTION = 24; // the "why" chips under each picture
const OVERSCAN = 1000; // px above and below the viewport kept in the DOM

export class Grid {
  /**
   * @param {HTMLElement} list the <ul> the cards go in
   * @param {(item: object, box: {width: number, height: number}) => HTMLElement} makeCard
   */
  constructor(list, makeCard) {
    this.list = list;
    this.makeCard = makeCard;
    this.items = []; // {id, ratio, ...}: the results, in order
    this.rows = []; // {top, height (with the caption), picture, start, end, lefts, widths}
    this.shown = new Map(); // row index -> its card elements
    this.width = 0;
    this.complete = false; // no more results will come (the last row is left unstretched)
    this.frame = 0;
    addEventListener("scroll", () => this.schedule(), { passive: true });
    addEventListener("resize", () => this.schedule());
    new ResizeObserver(() => {
      if (this.list.clientWidth !== this.width) this.relayout();
    }).observe(list);
  }

  get length() {
    return this.items.length;
  }

  clear() {
    this.items = [];
    this.rows = [];
    this.complete = false;
    this.shown.clear();
    this.list.replaceChildren();
    this.list.style.height = "0px";
    this.list.dataset.count = "0";
  }

  /** Add a page of results; `complete` once the last page has come. */
  append(items, complete) {
    const from = this.rows.length ? this.rows.at(-1).start : 0; // the open last row reflows
    this.items.push(...items);
    this.complete = complete;
    this.layoutFrom(from);
    this.list.dataset.count = String(this.items.length);
  }

  indexOf(id) {
    return this.items.findIndex((item) => item.id === id);
  }

  /** The card of result `index`, brought into the DOM and scrolled into view. */
  reveal(index) {
    const row = this.rowOf(index);
    if (row < 0) return null;
    const top = this.list.getBoundingClientRect().top + scrollY + this.rows[row].top;
    if (top < scrollY + 80 || top + this.rows[row].height > scrollY + innerHeight) {
      scrollTo({ top: Math.max(0, top - innerHeight / 3) });
    }
    this.paint();
    return this.shown.get(row)?.[index - this.rows[row].start] ?? null;
  }

  /** The result an arrow key moves to from `index`: the next or previous one, or in the row
   * above or below the one nearest in x. */
  step(index, key) {
    if (key === "ArrowRight") return Math.min(this.items.length - 1, index + 1);
    if (key === "ArrowLeft") return Math.max(0, index - 1);
    const row = this.rowOf(index);
    const next = this.rows[row + (key === "ArrowDown" ? 1 : -1)];
    if (!next) return index;
    const r = this.rows[row];
    const at = r.lefts[index - r.start] + r.widths[index - r.start] / 2;
    let best = next.start;
    for (let i = next.start; i < next.end; i++) {
      const centre = next.lefts[i - next.start] + next.widths[i - next.start] / 2;
      const bestCentre = next.lefts[best - next.start] + next.widths[best - next.start] / 2;
      if (Math.abs(centre - at) < Math.abs(bestCentre - at)) best = i;
    }
    return best;
  }

  relayout() {
    // keep the first visible result where it was on the screen
    const gridTop = this.list.getBoundingClientRect().top;
    const firstRow = this.rowAt(-gridTop);
    const anchor = firstRow >= 0 ? this.rows[firstRow].start : -1;
    const offset = firstRow >= 0 ? gridTop + this.rows[firstRow].top : 0;
    for (const cards of this.shown.values()) for (const card of cards) card.remove();
    this.shown.clear();
    this.rows = [];
    this.layoutFrom(0);
    if (anchor >= 0) {
      const row = this.rowOf(anchor);
      scrollTo({ top: scrollY + (this.list.getBoundingClientRect().top + this.rows[row].top - offset) });
    }
  }

  layoutFrom(start) {
    this.width = this.list.clientWidth;
    let row = this.rowOf(start);
    if (row < 0) row = this.rows.length;
    for (let r = row; r < this.rows.length; r++) this.drop(r);
    this.rows.length = row;
    let top = row ? this.rows[row - 1].top + this.rows[row - 1].height + GAP : 0;
    let i = start;
    const width = Math.max(this.width, 100);
    while (i < this.items.length) {
      let ratios = 0;
      let end = i;
      while (end < this.items.length) {
        ratios += this.items[end].ratio;
        end++;
        if (ratios * ROW + GAP * (end - i - 1) >= width) break;
      }
      // a row short of the width is the last: left at ROW (more results may yet fill it)
      const full = ratios * ROW + GAP * (end - i - 1) >= width;
      const height = full ? (width - GAP * (end - i - 1)) / ratios : ROW;
      const lefts = [];
      const widths = [];
      let left = 0;
      for (let k = i; k < end; k++) {
        const w = this.items[k].ratio * height;
        lefts.push(left);
        widths.push(w);
        left += w + GAP;
      }
      this.rows.push({ top, height: height + CAPTION, picture: height, start: i, end, lefts, widths });
      top += height + CAPTION + GAP;
      i = end;
    }
    this.list.style.height = `${Math.max(0, top - GAP)}px`;
    this.paint();
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.paint());
  }

  /** Bring the rows near the viewport into the DOM and take the others out. */
  paint() {
    this.frame = 0;
    if (!this.rows.length || this.list.offsetParent === null) return;
    const gridTop = this.list.getBoundingClientRect().top;
    const first = Math.max(0, this.rowAt(-gridTop - OVERSCAN));
    let last = this.rowAt(-gridTop + innerHeight + OVERSCAN);
    if (last < 0) last = this.rows.length - 1;
    const focused = document.activeElement?.closest?.(".card");
    for (const [r, cards] of [...this.shown]) {
      if ((r < first || r > last) && !cards.includes(focused)) this.drop(r); // focus stays put
    }
    for (let r = first; r <= last; r++) if (!this.shown.has(r)) this.draw(r);
  }

  draw(r) {
    const row = this.rows[r];
    const cards = [];
    for (let i = row.start; i < row.end; i++) {
      const k = i - row.start;
      const card = this.makeCard(this.items[i], { width: row.widths[k], height: row.picture });
      card.style.cssText += `;position:absolute;top:${row.top}px;left:${row.lefts[k]}px;width:${row.widths[k]}px;--row:${row.picture}px`;
      card.setAttribute("aria-posinset", String(i + 1));
      card.setAttribute("aria-setsize", this.complete ? String(this.items.length) : "-1");
      cards.push(card);
    }
    // in document order, so Tab and screen readers go through the results in order
    const after = [...this.shown.keys()].filter((k) => k > r).sort((a, b) => a - b)[0];
    const before = after === undefined ? null : this.shown.get(after)[0];
    for (const card of cards) this.list.insertBefore(card, before);
    this.shown.set(r, cards);
  }

  drop(r) {
    for (const card of this.shown.get(r) || []) card.remove();
    this.shown.delete(r);
  }

  /** The row that holds result `index` (-1: none). */
  rowOf(index) {
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (index < this.rows[mid].start) hi = mid - 1;
      else if (index >= this.rows[mid].end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** The row at `y` px below the grid's top, or the first one below it (-1: past the end). */
  rowAt(y) {
    let lo = 0;
    let hi = this.rows.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.rows[mid].top + this.rows[mid].height >= y) {
        found = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return found;
  }
}
