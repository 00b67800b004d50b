"""The web portal (`formkit serve`): cities upload and see their findings; the province sees all.

A thin layer over :mod:`formkit.api`, as the CLI is: :class:`~formkit.portal.service.Portal`
holds the state, ``views/`` turn HTTP into calls on it, ``access.allowed`` decides every
permission, and ``templates/`` are the Chinese pages.
"""
