package org.altdiffusion.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** Children named 0, 1, 2, ... like torch.nn.ModuleList. */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
  private final List<M> items = new ArrayList<>();

  public M add(M module) {
    child(Integer.toString(items.size()), module);
    items.add(module);
    return module;
  }

  public M get(int index) {
    return items.get(index);
  }

  public int size() {
    return items.size();
  }

  public List<M> items() {
    return Collections.unmodifiableList(items);
  }

  @Override
  public Iterator<M> iterator() {
    return items().iterator();
  }
}
