/* rmig_model.h: the migration cost model, its file and its predictions
 * (rank-migrate layer; rmig_model.c, rmig_model_file.c).
 *
 * Apart from rmig.h because code outside the library reads the same file
 * and makes the same predictions: the mpimigrate command (--estimate)
 * includes this header alone. Nothing here needs a cluster or a rank.
 */
#ifndef RMIG_MODEL_H
#define RMIG_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* The paths a move can take; a model has figures for each path it gives. */
enum rmig_path {
    RMIG_PATH_LOCAL,      /* live, both clusters on one host */
    RMIG_PATH_HOSTS,      /* live, between hosts */
    RMIG_PATH_CHECKPOINT, /* through a checkpoint file (figures: not yet) */
    RMIG_PATHS
};

/* One fitted line y = a + b * bytes (seconds), its R^2 and point count. */
struct rmig_fit {
    double a, b, r2;
    int points;
};

/* A model file, version 1: text, lines of at most RMIG_MODEL_LINE_MAX
 * characters, RMIG_MODEL_SIZE_MAX bytes in all; '#' lines and blank lines
 * are skipped. The first other line is "nanvix-mpi-migration-model 1";
 * then, in any order, at most one "measured <text>" (where the figures
 * come from) and, for each path given, exactly one line of each kind:
 *   <local|hosts|checkpoint> <downtime|total> <a> <b> <r2> <points>
 * a in seconds [RMIG_MODEL_A_MIN, RMIG_MODEL_A_MAX], b in s/byte [0,
 * RMIG_MODEL_B_MAX], r2 in [0, 1], points a whole number in [2,
 * RMIG_MODEL_POINTS_MAX]; numbers are plain decimals (no nan, inf, hex).
 * Anything else refuses the whole file. */
#define RMIG_MODEL_MAGIC      "nanvix-mpi-migration-model"
#define RMIG_MODEL_VERSION    1
#define RMIG_MODEL_LINE_MAX   200
#define RMIG_MODEL_SIZE_MAX   8192
#define RMIG_MODEL_A_MIN      (-1.0) /* a least-squares intercept may dip below 0 */
#define RMIG_MODEL_A_MAX      3600.0
#define RMIG_MODEL_B_MAX      1e-3 /* 1 kB/s: slower than any path we move over */
#define RMIG_MODEL_POINTS_MAX 1000000

struct rmig_model {
    unsigned given[RMIG_PATHS]; /* bit 0: downtime line read, bit 1: total line */
    struct rmig_fit downtime[RMIG_PATHS], total[RMIG_PATHS];
    char measured[RMIG_MODEL_LINE_MAX]; /* the "measured" text, "" when none */
};

/* A move's predicted cost. */
#define RMIG_ESTIMATE_SOURCE_MAX 768
struct rmig_estimate {
    uint64_t bytes;                        /* what the move would send now */
    int path;                              /* enum rmig_path of the move */
    int figures_of;                        /* the path whose figures were used (path, or local when
                                              the model has none for path: a lower bound) */
    double downtime;                       /* predicted, seconds */
    double total;                          /* predicted freeze + downtime + route update, seconds */
    char source[RMIG_ESTIMATE_SOURCE_MAX]; /* the model: file or built-in, and why */
};

/* "local", "hosts", "checkpoint" ("?" for anything else). */
const char *rmig_path_name(int path);

/* Parses a model file of `size` bytes into m. Returns 0, or -EINVAL with
 * "line N: <reason>" in why[len] (m then holds nothing usable). */
int rmig_model_parse(const char *text, size_t size, struct rmig_model *m, char *why, size_t len);

/* The built-in figures (path local only; rmig_model.c says which run). */
void rmig_model_builtin(struct rmig_model *m);

/* Fills e's bytes, path, figures_of, downtime and total (never negative;
 * total >= downtime) for a move of `bytes` on `path`. Returns 0, -EINVAL
 * bad path, -ENODATA when m has figures neither for path nor for local.
 * Leaves e->source alone. */
int rmig_model_predict(const struct rmig_model *m, int path, uint64_t bytes,
                       struct rmig_estimate *e);

/* Loads the model: the file named by NMPI_MIGRATION_MODEL, by default
 * ${XDG_CONFIG_HOME:-$HOME/.config}/nanvix-mpi/migration-model; without a
 * readable, valid file, the built-in figures, with a warning (base_log)
 * when a file was there but refused, or named and missing. Writes its
 * source, in words, to source[len] (the file, or the built-in figures and
 * why). Returns 0 (the file's model) or 1 (built-in). (rmig_model_file.c) */
int rmig_model_load(struct rmig_model *m, char *source, size_t len);

#endif /* RMIG_MODEL_H */
