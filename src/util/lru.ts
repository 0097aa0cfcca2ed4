// A cache bounded by bytes, least recently used out first. What an entry
// weighs is the caller's estimate of the memory it holds; an entry heavier
// than the whole bound is not kept. Hits and misses are counted for
// readStats().
//
// The order is a linked list, not the Map's insertion order: evicting by
// iterating a Map from its start walks over the deleted entries V8 leaves in
// its table until the next rehash, which made a full key cache cost
// microseconds per insert.
interface Node<K, V> {
  key: K;
  value: V;
  bytes: number;
  /** towards the most recently used */
  newer: Node<K, V> | null;
  older: Node<K, V> | null;
}

export class ByteLru<K, V> {
  private readonly map = new Map<K, Node<K, V>>();
  private newest: Node<K, V> | null = null;
  private oldest: Node<K, V> | null = null;
  private held = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const n = this.map.get(key);
    if (!n) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (n !== this.newest) {
      this.unlink(n);
      this.push(n);
    }
    return n.value;
  }

  set(key: K, value: V, bytes: number): void {
    const old = this.map.get(key);
    if (old) this.remove(old);
    if (bytes > this.maxBytes) return;
    const n: Node<K, V> = { key, value, bytes, newer: null, older: null };
    this.map.set(key, n);
    this.push(n);
    this.held += bytes;
    while (this.held > this.maxBytes) this.remove(this.oldest!);
  }

  clear(): void {
    this.map.clear();
    this.newest = this.oldest = null;
    this.held = 0;
  }

  private remove(n: Node<K, V>): void {
    this.unlink(n);
    this.map.delete(n.key);
    this.held -= n.bytes;
  }

  private push(n: Node<K, V>): void {
    n.older = this.newest;
    n.newer = null;
    if (this.newest) this.newest.newer = n;
    else this.oldest = n;
    this.newest = n;
  }

  private unlink(n: Node<K, V>): void {
    if (n.newer) n.newer.older = n.older;
    else this.newest = n.older;
    if (n.older) n.older.newer = n.newer;
    else this.oldest = n.newer;
    n.newer = n.older = null;
  }
}
