package io.pgisolate;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** The known name a misspelt one was probably meant to be, for "did you mean" hints. */
public final class ClosestName {
  private ClosestName() {}

  /** The candidate at most two edits away from {@code name}, the nearest if several are. */
  public static Optional<String> of(String name, Collection<String> candidates) {
    return candidates.stream()
        .min(Comparator.comparingInt(candidate -> distance(candidate, name)))
        .filter(closest -> distance(closest, name) <= 2);
  }

  /** The Levenshtein distance: how many letters to add, remove or change to turn a into b. */
  public static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int change = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] =
            Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + change);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
