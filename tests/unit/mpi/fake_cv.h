/* fake_cv.h: the in-process stand-in for comm-virt used by mpi/'s unit tests.
 *
 * fake_cv.c implements cv.h, ua_root() and the node calls mpi/ makes, with
 * ranks as threads of one process. Tests call fake_run() to run fn on size
 * ranks (at most FAKE_MAX_RANKS) and return when all have returned. A test
 * that runs outside fake_run() is rank 0 of 1.
 */
#ifndef FAKE_CV_H
#define FAKE_CV_H

#define FAKE_MAX_RANKS 16

void fake_run(int size, void (*fn)(int rank, int size));

#endif /* FAKE_CV_H */
