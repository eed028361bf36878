! mpix.h: nanvix-mpi's extensions for Fortran programs (include 'mpix.h'
! after 'use mpi' or include 'mpif.h'; our mpif90 puts this directory on
! the include path). Fixed and free source form alike, like mpif.h.
!
! The calls are subroutines with the error code last, as in mpif.h; C
! bindings in the library (mpi/fort/fort_mpix.c) call the C functions that
! include/mpi.h documents:
!   call MPI_MIGRATETO(cluster, ierror)       move the calling rank to
!                                             cluster, or MPIX_ANY_SPARE
!   call MPIX_MIGRATE(rank, cluster, comm, ierror)
!                                             ask rank of comm to move
!   call MPIX_CLUSTER_SELF(cluster, ierror)   cluster hosting the caller
!   call MPIX_CLUSTER_COUNT(n, ierror)        clusters in the job
!   call MPIX_SPARE_COUNT(n, ierror)          clusters hosting no rank
!   call MPIX_MIGRATION_STATS(times, bytes, moves, ierror)
!        DOUBLE PRECISION times(5), INTEGER*8 bytes, INTEGER moves:
!        the figures of the caller's last move (seconds, bytes, count)
!   call MPIX_CHECKPOINT(dir, restarted, ierror)
!        CHARACTER*(*) dir, LOGICAL restarted: collective over
!        MPI_COMM_WORLD, a checkpoint of the job into dir; restarted is
!        .TRUE. when the call returns in a job restarted from it
!        (mpiexec --restart dir)
!   call MPIX_MIGRATION_ESTIMATE(rank, cluster, seconds, ierror)
!        DOUBLE PRECISION seconds: predicted downtime of moving world
!        rank to cluster (or MPIX_ANY_SPARE)
!   call MPIX_MIGRATE_IF(rank, cluster, gain, comm, moved, ierror)
!        DOUBLE PRECISION gain, LOGICAL moved: moves rank of comm only
!        when the predicted total is below gain seconds (another rank:
!        asks its move; moved then means asked)
!   call MPIX_MIGRATETO_CHECKPOINT(cluster, dir, ierror)
!        CHARACTER*(*) dir: MPI_MIGRATETO through a checkpoint image
!        file in dir (all blanks: NMPI_MIGRATION_DIR's directory)
!   call MPIX_MIGRATETO_MODE(cluster, mode, ierror)
!        CHARACTER*(*) mode: MPI_MIGRATETO as 'stop', 'precopy' or
!        'checkpoint' (all blanks: NMPI_MIGRATION_MODE's)
! All other arguments are default INTEGERs.
       INTEGER MPIX_ANY_SPARE
       PARAMETER (MPIX_ANY_SPARE=-4)
       EXTERNAL MPI_MIGRATETO, MPIX_MIGRATE, MPIX_CLUSTER_SELF
       EXTERNAL MPIX_CLUSTER_COUNT, MPIX_SPARE_COUNT
       EXTERNAL MPIX_MIGRATION_STATS
       EXTERNAL MPIX_CHECKPOINT, MPIX_MIGRATION_ESTIMATE
       EXTERNAL MPIX_MIGRATE_IF
       EXTERNAL MPIX_MIGRATETO_CHECKPOINT
       EXTERNAL MPIX_MIGRATETO_MODE
