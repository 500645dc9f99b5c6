"""
The numerical kernel of the Spatial Model of Politics (options/analysis/smp.py tells the model):
KTAB's kmodel primitives (votes, coalitions, victory probabilities, the PCE, risk attitudes,
utilities) and the SMP's challenge and bargain steps, in numpy, on KTAB's internal 0–1 scale.

Each function names the KTAB function it follows (KAPSARC/KTAB, MIT licence:
KTAB/kmodel/libsrc/kmodel.cpp, examples/smp/libsrc/smp.cpp and smpbcn.cpp). The arithmetic is
done in KTAB's order, so that the results are KTAB's to the last bit wherever that can decide
something (a best challenge, a bargain's choice, a rounding to 4 decimals): every sum that KTAB
accumulates in a loop is accumulated in the same order here (`np.add.accumulate`, never numpy's
pairwise `sum`), and adding 0.0 for an element that KTAB skips changes nothing. KTAB's own checks
that can fail on real input raise SMPError with KTAB's message; NaN goes through comparisons as
it does in C++ (false), which is what happens in KTAB when all actors stand on one point.

Nothing here imports Django.
"""

import enum

import numpy as np

MIN_COALITION = 1e-8  # Model::coalitions: every coalition starts at this strength
MIN_CHALLENGE_COALITION = 1e-10  # SMPState::probEduChlg: ditto, within a challenge
MIN_SIGNIFICANT_GAIN = 1e-5  # SMPState::bestChallenge: a smaller expected gain is no challenge
BINARY_VOTE_TOLERANCE = 1e-8  # Model::vote: the utility difference of a full binary vote
MIN_BARGAIN_WEIGHT = 1e-6  # SMPActor::interpBrgnSnPm and interpBrgnS2PMax
UTILITY_CHANGE_TOLERANCE = 1e-6  # SMPState::setAllAUtil: risk attitudes must change something
CHUNK_ELEMENTS = 1 << 20  # the size of the vote arrays built at once in `coalitions`


class SMPError(ValueError):
    """KTAB would stop the run here: one of its checks failed (its message is kept)."""


# The options, with KTAB's names and numbers (kmodel.h, smp.h). smpc's defaults are marked.
class VotingRule(enum.IntEnum):
    BINARY = 0
    PROP_BIN = 1
    PROPORTIONAL = 2  # default
    PROP_CBC = 3
    CUBIC = 4
    ASYM_PROSP = 5


class VPModel(enum.IntEnum):
    """How coalition strengths become a probability of victory."""

    LINEAR = 0  # default
    SQUARE = 1
    QUARTIC = 2
    OCTIC = 3
    BINARY = 4


class PCEModel(enum.IntEnum):
    """The probabilistic Condorcet election: from pairwise victories to one winner."""

    CONDITIONAL = 0  # default
    MARKOV_INCENTIVE = 1
    MARKOV_UNIFORM = 2


class ThirdPartyCommit(enum.IntEnum):
    NO_COMMIT = 0
    SEMI_COMMIT = 1  # default
    FULL_COMMIT = 2


class BigRRange(enum.IntEnum):
    """The range of the risk attitudes inferred from the probabilities."""

    MIN = 0  # [0, 1]
    MID = 1  # [-1/2, 1], default
    MAX = 2  # [-1, 1]


class BigRAdjust(enum.IntEnum):
    """How much of i's risk attitude h sees, the rest being h's own."""

    NONE = 0
    ONE_THIRD = 1  # default
    HALF = 2
    TWO_THIRDS = 3
    FULL = 4


class InterVecBrgn(enum.IntEnum):
    """How a bargain interpolates between two positions, dimension by dimension."""

    S1P1 = 0  # weights salience × probability
    S2P2 = 1  # weights salience² × probability², default
    S2PMAX = 2


# ---------------------------------------------------------------------------------------------
# Utilities: KBase sums and SMPModel::bvDiff, SMPModel::bsUtil, Model::estNRA


def ordered_sum(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """KBase::sum and every `s = s + x` loop: left to right, in the order of the axis."""
    return np.add.accumulate(values, axis=axis).take(-1, axis=axis)


def weighted_distances(ideals: np.ndarray, saliences: np.ndarray, points: np.ndarray) -> np.ndarray:
    """SMPModel::bvDiff for every pair: d[a, b] = the salience-weighted distance from actor a's
    ideal to point b, sqrt(Σ_k (s_ak (x_ak − y_bk))² / Σ_k s_ak²), in [0, 1]."""
    ds_sqr = np.zeros((len(ideals), len(points)))
    ss_sqr = np.zeros(len(ideals))
    for k in range(ideals.shape[1]):
        ds = (ideals[:, k, None] - points[None, :, k]) * saliences[:, k, None]
        ds_sqr = ds_sqr + ds * ds
        ss_sqr = ss_sqr + saliences[:, k] * saliences[:, k]
    return np.sqrt(ds_sqr / ss_sqr[:, None])


def bs_util(distance: np.ndarray, risk) -> np.ndarray:
    """SMPModel::bsUtil: the utility of a position at that distance, for risk attitude R
    (−1 … 1): (1 − d)(1 + d·R), concave for the risk-averse (R > 0)."""
    util = (1 - distance) * (1 + distance * risk)
    beyond = distance > 1  # never on [0, 1]: KTAB's guard against round-off
    if beyond.any():
        util = np.where(beyond, (1 - distance) * (1 + risk), util)
    return util


def est_nra(risk_h, risk_i, adjust: BigRAdjust):
    """Model::estNRA: h's estimate of i's risk attitude."""
    shape = np.broadcast(risk_h, risk_i).shape
    if adjust is BigRAdjust.FULL:
        return np.broadcast_to(risk_i, shape)
    if adjust is BigRAdjust.TWO_THIRDS:
        return (risk_h + (2.0 * risk_i)) / 3.0
    if adjust is BigRAdjust.HALF:
        return (risk_h + risk_i) / 2
    if adjust is BigRAdjust.ONE_THIRD:
        return ((2.0 * risk_h) + risk_i) / 3.0
    return np.broadcast_to(risk_h, shape)


# ---------------------------------------------------------------------------------------------
# Votes, coalitions, victory and the PCE: Model::vote, coalitions, vProb, probCE2, condPCE,
# markovUniformPCE, markovIncentivePCE, scalarPCE, bigRfromProb


def vote(rule: VotingRule, weight, u_for, u_against):
    """Model::vote: a voter's support for one option over another (negative: for the other)."""
    du = u_for - u_against
    if rule is VotingRule.PROPORTIONAL:
        return weight * du
    r_bin = np.clip(du / BINARY_VOTE_TOLERANCE, -1.0, 1.0)
    r_cubic = du * du * du
    if rule is VotingRule.BINARY:
        return weight * r_bin
    if rule is VotingRule.PROP_BIN:
        return weight * ((1 - 0.2) * du + 0.2 * r_bin)
    if rule is VotingRule.PROP_CBC:
        return weight * ((1 - 0.5) * du + 0.5 * r_cubic)
    if rule is VotingRule.CUBIC:
        return weight * r_cubic
    # ASYM_PROSP: losses count fully, gains two thirds
    return np.where(du < 0.0, weight * du, np.where(0.0 < du, (2.0 * weight * du) / 3.0, 0.0))


def coalitions(rule: VotingRule, weights: np.ndarray, utils: np.ndarray) -> np.ndarray:
    """Model::coalitions: c[i, j] = strength of the coalition for option i against option j,
    summed over the voters in order, from utils[voter, option] and the voters' weights.
    KTAB votes each pair i > j once and counts a negative vote for j: with every rule but
    ASYM_PROSP, a vote for j over i is exactly minus the vote for i over j, so both halves of
    the matrix come from the votes' positive parts."""
    n_voters, n_opt = utils.shape
    chunk = min(n_voters, max(1, CHUNK_ELEMENTS // (n_opt * n_opt)))
    steps = np.empty((chunk + 1, n_opt, n_opt))
    steps[0] = MIN_COALITION
    lower = np.tri(n_opt, n_opt, -1, dtype=bool)
    for start in range(0, n_voters, chunk):
        u = utils[start : start + chunk]
        k = len(u)
        v = vote(rule, weights[start : start + k, None, None], u[:, :, None], u[:, None, :])
        if rule is VotingRule.ASYM_PROSP:
            for_j = np.where(lower & (v < 0), -v, 0.0).transpose(0, 2, 1)
            steps[1 : k + 1] = np.where(lower & (v > 0), v, 0.0) + for_j
        else:
            np.fmax(v, 0.0, out=steps[1 : k + 1])  # fmax: a NaN vote counts for nobody
        np.add.accumulate(steps[: k + 1], axis=0, out=steps[: k + 1])
        steps[0] = steps[k]
    return steps[0].copy()


def _victory_odds(model: VPModel, s1: np.ndarray, s2: np.ndarray):
    """Model::vProb(vpm, s1, s2) before normalisation."""
    if model is VPModel.LINEAR:
        return s1, s2
    if model is VPModel.SQUARE:
        return s1 * s1, s2 * s2
    if model is VPModel.QUARTIC:
        return s1 * s1 * s1 * s1, s2 * s2 * s2 * s2
    if model is VPModel.OCTIC:
        q1, q2 = s1 * s1 * s1 * s1, s2 * s2 * s2 * s2
        return q1 * q1, q2 * q2
    thresh, min_x = 1.10, 1e-6  # BINARY, with a linear ramp within 10 %
    p12 = ((s1 / (s1 + s2)) * (thresh + 1.0) - 1.0) / (thresh - 1.0)
    x1 = np.where(s1 >= thresh * s2, 1.0, np.where(s2 >= thresh * s1, min_x, p12))
    x2 = np.where(s1 >= thresh * s2, min_x, np.where(s2 >= thresh * s1, 1.0, 1 - p12))
    return x1, x2


def victory_probabilities(model: VPModel, strength: np.ndarray) -> np.ndarray:
    """Model::vProb(vpm, c): p[i, j] = probability that option i beats option j, 1/2 on the
    diagonal; computed from each pair i > j once, as KTAB does."""
    n = len(strength)
    il, jl = np.tril_indices(n, -1)
    x1, x2 = _victory_odds(model, strength[il, jl], strength[jl, il])
    prob = np.empty((n, n))
    prob[il, jl] = x1 / (x1 + x2)
    prob[jl, il] = x2 / (x1 + x2)
    np.fill_diagonal(prob, 0.5)
    return prob


def conditional_pce(victory: np.ndarray) -> np.ndarray:
    """Model::condPCE: the probability that option i beats all others, given that one does."""
    p = np.multiply.accumulate(victory, axis=1)[:, -1]
    if np.any((0 > p) | (1 < p)):
        raise SMPError("Model::condPCE: value of probability pi must be within [0,1]")
    return p / ordered_sum(p)


def markov_uniform_pce(victory: np.ndarray) -> np.ndarray:
    """Model::markovUniformPCE: the stationary distribution of uniformly random challenges."""
    n = len(victory)
    p = np.full(n, 1.0) / n
    iterations, change = 0, 1.0
    while 1e-6 < change:
        q = ordered_sum(victory * (p[:, None] + p[None, :]), axis=1) / n
        change = max(0.0, float(np.max(np.abs(q - p))))
        p = (p + q) / 2.0
        iterations += 1
        if abs(ordered_sum(p) - 1.0) >= 1e-6:
            raise SMPError("Model::markovUniformPCE: Sum total of probabilities must be 1.0")
        if iterations >= 1000:
            raise SMPError("Model::markovUniformPCE: Iteration exceeded the upper limit")
    return p


def markov_incentive_pce(strength: np.ndarray, model: VPModel) -> np.ndarray:
    """Model::markovIncentivePCE: challenges in proportion to their expected support."""
    n = len(strength)
    victory = victory_probabilities(model, strength)
    incentive = strength * victory + np.eye(n) * 1e-10
    challenge = incentive / ordered_sum(incentive, axis=0)[None, :]
    p = np.full(n, 1.0) / n
    iterations, change = 0, 1.0
    while 1e-8 < change:
        ct = p[:, None] * challenge.T  # ct[i, j] = p_i · challenge[j, i]
        q = ordered_sum(victory * (ct + ct.T), axis=1)
        change = max(0.0, float(np.max(np.abs(q - p))))
        p = (p + q) / 2.0
        iterations += 1
        if abs(ordered_sum(p) - 1.0) >= 1e-8:
            raise SMPError("Model::markovIncentivePCE: Sum total of prob p must be 1.0")
        if iterations >= 1000:
            raise SMPError("Model::markovIncentivePCE: Iteration exceeded upper limit")
    return p


def pce(model: PCEModel, victory_model: VPModel, strength: np.ndarray) -> np.ndarray:
    """Model::probCE2: the probability of each option from the coalition strengths."""
    if model is PCEModel.MARKOV_INCENTIVE:
        p = markov_incentive_pce(strength, victory_model)
    elif model is PCEModel.MARKOV_UNIFORM:
        p = markov_uniform_pce(victory_probabilities(victory_model, strength))
    else:
        p = conditional_pce(victory_probabilities(victory_model, strength))
    if abs(ordered_sum(p) - 1.0) >= 1e-8:
        raise SMPError("Model::probCE2: Sum total of probs must be less than 1.0")
    return p


def scalar_pce(params, weights: np.ndarray, utils: np.ndarray) -> np.ndarray:
    """Model::scalarPCE: the probability of each option (column of utils[voter, option])."""
    strength = coalitions(params.voting_rule, weights, utils)
    return pce(params.pce_model, params.victory_model, strength)


def big_r_from_prob(p: np.ndarray, rng: BigRRange) -> np.ndarray:
    """Model::bigRfromProb: the risk attitudes, from the least likely position (risk-seeking)
    to the most likely (risk-averse)."""
    if np.any(0.0 > p):
        raise SMPError("Model::bigRfromProb: pi must be non-negative")
    p_min = np.where(p < 1.0, p, 1.0).min()  # NaN-blind, as KTAB's loop
    p_max = np.where(p > 0.0, p, 0.0).max()
    if abs(1 - ordered_sum(p)) >= 1e-8:
        raise SMPError("Model::bigRfromProb: sum of probabilities can't be greater than 1")
    if rng is BigRRange.MIN:
        return (p - p_min) / (p_max - p_min)
    if rng is BigRRange.MAX:
        return (2 * p - (p_max + p_min)) / (p_max - p_min)
    return (3 * p - (p_max + 2 * p_min)) / (2 * (p_max - p_min))


# ---------------------------------------------------------------------------------------------
# Challenges: SMPState::probEduChlg, SMPState::bestChallenge, Actor::vProbLittle,
# Actor::thirdPartyVoteSU


def _third_party_utils(commit: ThirdPartyCommit, uni, unj, unn):
    """Actor::thirdPartyVoteSU: what a third party n gets if it joins i (and i wins, or loses)
    or joins j; semi-committed, it keeps its own position when its side wins."""
    if commit is ThirdPartyCommit.FULL_COMMIT:
        return uni + uni + uni, unj + unj + unj, uni + uni + uni, unj + unj + unj
    if commit is ThirdPartyCommit.SEMI_COMMIT:
        return uni + uni + unn, unj + unj + unj, uni + uni + uni, unj + unj + unn
    return uni + uni + unn, unj + unj + unn, uni + uni + unn, unj + unj + unn


def challenges_by(i: int, util: np.ndarray, weight, sal_sum, params):
    """SMPState::probEduChlg(h=i, k=i, i, j) for every target j at once: i's estimate of the
    probability that i beats j, and of i's expected gain from challenging j.

    util[a, b] is i's estimate of a's utility for b's position (aUtil[i]); weight[a] = a's
    salience sum × capability; sal_sum[a] = a's salience sum. Each third party n (not i, not j)
    sides with i or j by comparing what it expects from each side (thirdPartyVoteSU), with the
    odds that i and j alone give it (vProbLittle); their votes join the coalitions in order."""
    rule = params.voting_rule
    n = len(util)
    uii, uij, uji, ujj = util[i, i], util[i, :], util[:, i], np.diagonal(util)
    eu_sq = util[i, i] + util[i, :]  # k = i: the status quo, i's and j's positions as they are
    u_vict = util[i, i] + util[i, i]
    u_lose = util[i, :] + util[i, :]

    contrib_i = vote(rule, weight[i], uii, uij)
    contrib_j = vote(rule, weight, uji, ujj)
    # the coalitions of i and j alone; fmax and fmin add 0.0 where KTAB adds nothing (NaN too)
    base_i = (MIN_CHALLENGE_COALITION + np.fmax(contrib_i, 0.0)) + np.fmax(contrib_j, 0.0)
    base_j = (MIN_CHALLENGE_COALITION - np.fmin(contrib_i, 0.0)) - np.fmin(contrib_j, 0.0)

    # rows: the third party n, columns: the target j (sums run down the columns)
    uni, unj, unn, wn = uji[:, None], util, ujj[:, None], weight[:, None]
    contrib_n = vote(rule, wn, uni, unj)
    cni = base_i[None, :] + np.fmax(contrib_n, 0.0)
    cnj = base_j[None, :] - np.fmin(contrib_n, 0.0)
    pin = cni / (cni + cnj)
    pjn = 1.0 - pin
    ik_def_j, j_def_ik, i_def_jk, jk_def_i = _third_party_utils(params.third_party, uni, unj, unn)
    v = vote(rule, wn, (pin * ik_def_j) + (pjn * j_def_ik), (pin * i_def_jk) + (pjn * jk_def_i))
    v[i, :] = 0.0  # i and j are not third parties
    np.fill_diagonal(v, 0.0)
    chij, chji = np.empty((n + 1, n)), np.empty((n + 1, n))
    chij[0], chji[0] = base_i, base_j
    np.fmax(v, 0.0, out=chij[1:])
    np.fmax(np.negative(v, out=v), 0.0, out=chji[1:])
    chij = np.add.accumulate(chij, axis=0, out=chij)[-1]
    chji = np.add.accumulate(chji, axis=0, out=chji)[-1]

    phij = chij / (chij + chji)
    phji = chji / (chij + chji)
    eu_contest = phij * u_vict + phji * u_lose
    eu_challenge = (1 - sal_sum) * u_vict + sal_sum * eu_contest
    return phij, eu_challenge - eu_sq


def best_challenge(i: int, gains: np.ndarray) -> int | None:
    """SMPState::bestChallenge: the target with the largest expected gain above 1e-5 (the first
    one on a tie), or None."""
    candidates = MIN_SIGNIFICANT_GAIN < gains
    candidates[i] = False
    if not candidates.any():
        return None
    return int(np.argmax(np.where(candidates, gains, -np.inf)))


# ---------------------------------------------------------------------------------------------
# Bargains: SMPActor::interpolateBrgn (interpBrgnSnPm, interpBrgnS2PMax),
# SMPState::updateBestBrgnPositions


def _round4(x):
    return np.trunc(0.5 + (x * 10000.0)) / 10000.0


def interpolate_bargain(pos_i, sal_i, prob_i, pos_j, sal_j, prob_j, method: InterVecBrgn):
    """SMPActor::interpolateBrgn: the positions that the bargain gives i and j, dimension by
    dimension between their positions, weighted by salience and probability of winning (S2P2:
    both squared), rounded to 4 decimals (S1P1, S2P2)."""
    if method is InterVecBrgn.S2PMAX:
        di = prob_j - prob_i if prob_j > prob_i else 0
        dj = prob_i - prob_j if prob_i > prob_j else 0
        si2, sj2 = sal_i * sal_i, sal_j * sal_j
        dik = (di * sj2) / ((di * sj2) + MIN_BARGAIN_WEIGHT + ((1 - di) * si2))
        djk = (dj * si2) / ((dj * si2) + MIN_BARGAIN_WEIGHT + ((1 - dj) * sj2))
        return pos_i + dik * (pos_j - pos_i), pos_j + djk * (pos_i - pos_j)
    if method is InterVecBrgn.S2P2:
        wi = (sal_i * sal_i) * (prob_i * prob_i)
        wj = (sal_j * sal_j) * (prob_j * prob_j)
    else:
        wi, wj = sal_i * prob_i, sal_j * prob_j
    total = wi + MIN_BARGAIN_WEIGHT + wj
    b_i = _round4(((wi + MIN_BARGAIN_WEIGHT) * pos_i + wj * pos_j) / total)
    b_j = _round4((wi * pos_i + (MIN_BARGAIN_WEIGHT + wj) * pos_j) / total)
    return b_i, b_j


def bargain_utilities(own_util, pos_util_init, pos_util_rcvr, init: int, rcvr: int):
    """updateBestBrgnPositions' brgnUtil for one bargain: each actor's average utility over all
    positions, with the initiator's and the receiver's replaced by the bargain's."""
    n = len(own_util)
    steps = np.empty((n + 1, n))  # steps[1 + b, a] = own_util[a, b]: sums run down the columns
    steps[0] = (0.0 + pos_util_init) + pos_util_rcvr
    steps[1:] = own_util.T
    steps[[1 + init, 1 + rcvr]] = 0.0
    return ordered_sum(steps, axis=0) / n


def choose_bargain(params, caps: np.ndarray, utils: np.ndarray) -> int:
    """updateBestBrgnPositions: the most probable of an actor's bargains (the first on a tie),
    by a PCE among all actors voting with their capabilities (deterministic transitions)."""
    if utils.shape[1] == 1:
        return 0
    p = scalar_pce(params, caps, utils)
    if abs(ordered_sum(p) - 1.0) >= 1e-8:
        raise SMPError("SMPState::updateBestBrgnPositions: Sum of cv is greater than 1")
    a = np.abs(p)
    if not np.any(a >= 0.0):  # all NaN
        raise SMPError("ndxMaxAbs: invalid index for init actor")
    return int(np.argmax(np.where(np.isnan(a), -1.0, a)))
